package dev.herald.gateway;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Everything under {@code herald.gateway.*}, with its defaults (docs/gateway.md has the table).
 *
 * @param heartbeat           interval of {@code : heartbeat} comments on every stream
 * @param tick                how often each event loop checks heartbeats and token expiry
 * @param retry               the {@code retry:} hint a stream starts with
 * @param retryJitter         each stream's {@code retry:} is {@code retry} plus a random share of this
 * @param maxConnections      streams this instance holds at most (more: 503 with Retry-After)
 * @param maxStreamsPerUser   streams one user holds at most (more: 429)
 * @param retryAfter          the Retry-After of a 503
 * @param acceptBacklog       the listen queue of the server socket (capped by the kernel's somaxconn)
 * @param flow                flow control of each stream: its socket's budget and when it is slow
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
        @DefaultValue("1s") Duration retry,
        @DefaultValue("2s") Duration retryJitter,
        @DefaultValue("19500") int maxConnections,
        @DefaultValue("8") int maxStreamsPerUser,
        @DefaultValue("5s") Duration retryAfter,
        @DefaultValue("4096") int acceptBacklog,
        @DefaultValue Flow flow,
        @DefaultValue Kafka kafka,
        @DefaultValue Session session,
        @DefaultValue Dashboard dashboard,
        @DefaultValue Resume resume,
        @DefaultValue Drain drain) {

    /**
     * @param ringSize           events held in memory to resume streams from (filled from Kafka at start-up)
     * @param ringBytes          bytes of events held in memory at most; unset: {@code ringHeapShare} of the heap
     * @param ringHeapShare      the share of the maximum heap the ring may hold when {@code ringBytes} is unset
     * @param fill               whether a starting instance reads the last events back into the ring
     *                           ({@code ringSize / partitions} per partition) before it accepts streams
     * @param checkpointInterval how often a quiet stream gets an {@code id:}-only position checkpoint
     * @param replayReaders      Kafka readers serving resumes the ring cannot (each one consumer)
     * @param replayQueue        resumes waiting for a Kafka reader at most (more wait and try again)
     * @param chunkBytes         bytes of events a resuming stream is handed at a time (memory or Kafka)
     * @param chunkRecords       records one Kafka read scans at most before it hands over what it has
     * @param chunkTime          how long one Kafka read runs at most before it hands over what it has
     */
    public record Resume(
            @DefaultValue("50000") int ringSize,
            @Nullable DataSize ringBytes,
            @DefaultValue("0.25") double ringHeapShare,
            @DefaultValue("true") boolean fill,
            @DefaultValue("10s") Duration checkpointInterval,
            @DefaultValue("4") int replayReaders,
            @DefaultValue("10000") int replayQueue,
            @DefaultValue("256KB") DataSize chunkBytes,
            @DefaultValue("20000") int chunkRecords,
            @DefaultValue("500ms") Duration chunkTime) {

        /** The ring's byte budget: {@code ringBytes}, or its share of the maximum heap. */
        public long ringBudget(long maxHeapBytes) {
            return ringBytes != null ? ringBytes.toBytes() : (long) (maxHeapBytes * ringHeapShare);
        }
    }

    /**
     * @param window the streams of a stopping instance close spread over this window (random moment each)
     */
    public record Drain(@DefaultValue("10s") Duration window) {}

    /**
     * @param pendingBytes bytes Netty may hold for one socket before its stream waits (the socket's budget;
     *                     what waits beyond it is shared with the replay buffer, not copied)
     * @param slowGrace    how long a socket may take nothing (stay over its budget) before its stream is
     *                     closed as slow; the client resumes from its last id
     */
    public record Flow(
            @DefaultValue("256KB") DataSize pendingBytes,
            @DefaultValue("10s") Duration slowGrace) {}

    /**
     * @param topic            the topic of note events
     * @param pollTimeout      longest wait of one poll
     * @param partitionRefresh how often the partition count and the consumer lag are checked
     * @param fetchMaxBytes    what one fetch of the live consumer or of a replay reader brings at most
     *                         ({@code fetch.max.bytes}; a record larger than it still comes, alone)
     */
    public record Kafka(
            @DefaultValue("notes.events") String topic,
            @DefaultValue("200ms") Duration pollTimeout,
            @DefaultValue("10s") Duration partitionRefresh,
            @DefaultValue("4MB") DataSize fetchMaxBytes) {}

    /**
     * @param cookieName the HttpOnly cookie that carries the access token for native EventSource
     * @param secure     whether the cookie is {@code Secure} (browsers accept it on http://localhost too)
     */
    public record Session(
            @DefaultValue("herald_events") String cookieName,
            @DefaultValue("true") boolean secure) {}

    /**
     * @param issuer   the OIDC issuer the dashboard logs in with
     * @param clientId the dashboard's OIDC client id
     * @param notesUrl where notes-service answers
     */
    public record Dashboard(
            @DefaultValue("http://localhost:8090/herald") String issuer,
            @DefaultValue("herald-dashboard") String clientId,
            @DefaultValue("http://localhost:8080") String notesUrl) {}
}
