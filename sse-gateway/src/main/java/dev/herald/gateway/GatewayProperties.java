package dev.herald.gateway;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import java.time.Duration;

/**
 * Everything under {@code herald.gateway.*}, with its defaults (docs/gateway.md has the table).
 *
 * @param heartbeat           interval of {@code : heartbeat} comments on every stream
 * @param tick                how often each event loop checks heartbeats and token expiry
 * @param retry               the {@code retry:} hint a stream starts with
 * @param maxConnections      streams this instance holds at most (more: 503 with Retry-After)
 * @param maxStreamsPerUser   streams one user holds at most (more: 429)
 * @param retryAfter          the Retry-After of a 503
 * @param queue               each stream's queue bounds
 * @param kafka               how the topic is read
 * @param session             the session cookie of {@code POST /events/session}
 * @param dashboard           what {@code GET /config.json} tells the dashboard
 * @param resume              how streams resume from a {@code Last-Event-ID}
 * @param drain               how the instance moves its streams elsewhere when it shuts down
 */
@ConfigurationProperties("herald.gateway")
public record GatewayProperties(
        @DefaultValue("15s") Duration heartbeat,
        @DefaultValue("1s") Duration tick,
        @DefaultValue("3s") Duration retry,
        @DefaultValue("19500") int maxConnections,
        @DefaultValue("8") int maxStreamsPerUser,
        @DefaultValue("5s") Duration retryAfter,
        @DefaultValue Queue queue,
        @DefaultValue Kafka kafka,
        @DefaultValue Session session,
        @DefaultValue Dashboard dashboard,
        @DefaultValue Resume resume,
        @DefaultValue Drain drain) {

    /**
     * @param ringSize           events held in memory to resume streams from (filled from Kafka at start-up)
     * @param fill               whether a starting instance reads the last events back into the ring
     *                           ({@code ringSize / partitions} per partition) before it accepts streams
     * @param checkpointInterval how often a quiet stream gets an {@code id:}-only position checkpoint
     * @param replayReaders      Kafka readers serving resumes the ring cannot (each one consumer)
     * @param replayQueue        resumes waiting for a Kafka reader at most (more wait and try again)
     */
    public record Resume(@DefaultValue("50000") int ringSize,
                         @DefaultValue("true") boolean fill,
                         @DefaultValue("10s") Duration checkpointInterval,
                         @DefaultValue("4") int replayReaders,
                         @DefaultValue("10000") int replayQueue) {
    }

    /**
     * @param window the streams of a stopping instance close spread over this window (random moment each)
     */
    public record Drain(@DefaultValue("10s") Duration window) {
    }

    /**
     * @param maxFrames frames a stream may have waiting (queued plus held by Netty) before it is closed as slow
     * @param maxBytes  bytes a stream may have waiting before it is closed as slow
     */
    public record Queue(@DefaultValue("256") int maxFrames, @DefaultValue("256KB") DataSize maxBytes) {
    }

    /**
     * @param topic            the topic of note events
     * @param pollTimeout      longest wait of one poll
     * @param partitionRefresh how often the partition count and the consumer lag are checked
     */
    public record Kafka(@DefaultValue("notes.events") String topic,
                        @DefaultValue("200ms") Duration pollTimeout,
                        @DefaultValue("10s") Duration partitionRefresh) {
    }

    /**
     * @param cookieName the HttpOnly cookie that carries the access token for native EventSource
     * @param secure     whether the cookie is {@code Secure} (browsers accept it on http://localhost too)
     */
    public record Session(@DefaultValue("herald_events") String cookieName, @DefaultValue("true") boolean secure) {
    }

    /**
     * @param issuer   the OIDC issuer the dashboard logs in with
     * @param clientId the dashboard's OIDC client id
     * @param notesUrl where notes-service answers
     */
    public record Dashboard(@DefaultValue("http://localhost:8090/herald") String issuer,
                            @DefaultValue("herald-dashboard") String clientId,
                            @DefaultValue("http://localhost:8080") String notesUrl) {
    }
}
