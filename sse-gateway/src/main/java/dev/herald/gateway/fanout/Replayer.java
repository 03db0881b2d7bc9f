package dev.herald.gateway.fanout;

/**
 * Reads events a stream missed from Kafka when the {@link ReplayBuffer} no longer holds them: a
 * bounded pool of readers with a bounded queue (a reconnect storm must not open a Kafka read per
 * client), each read a bounded chunk, one read at a time per user.
 */
public interface Replayer {

    /**
     * Queues a read for {@code target}; false when the queue is full or the target's user has a read
     * queued or running (the stream tries again shortly).
     */
    boolean submit(ReplayTarget target);
}
