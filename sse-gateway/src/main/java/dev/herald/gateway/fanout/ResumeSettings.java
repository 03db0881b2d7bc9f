package dev.herald.gateway.fanout;

import java.time.Duration;

/**
 * What the hub needs to know to resume streams.
 *
 * @param topicCheck         {@link dev.herald.gateway.resume.ResumePosition#topicCheck} of the topic, for ids
 * @param checkpointInterval how often a quiet stream gets an {@code id:}-only checkpoint
 */
public record ResumeSettings(int topicCheck, Duration checkpointInterval) {}
