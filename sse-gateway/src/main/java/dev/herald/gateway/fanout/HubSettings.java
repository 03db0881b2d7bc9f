package dev.herald.gateway.fanout;

import java.time.Duration;

/**
 * What the hub needs to know of the configuration.
 *
 * @param heartbeat         interval of {@code : heartbeat} comments
 * @param tick              how often each shard checks heartbeats, token expiry and slow sockets
 * @param retry             the {@code retry:} a stream starts with (reconnect delay hint)
 * @param retryJitter       each stream's {@code retry:} is {@code retry} plus a random share of this
 * @param slowGrace         how long a socket may take nothing before its stream is closed as slow
 * @param replayChunkBytes  bytes a resuming stream is handed at a time, from memory or from Kafka
 * @param maxConnections    streams this instance holds at most
 * @param maxStreamsPerUser streams one user holds at most
 */
public record HubSettings(
        Duration heartbeat,
        Duration tick,
        Duration retry,
        Duration retryJitter,
        Duration slowGrace,
        long replayChunkBytes,
        int maxConnections,
        int maxStreamsPerUser) {}
