package dev.herald.gateway.fanout;

import java.time.Duration;

/**
 * What the hub needs to know of the configuration.
 *
 * @param heartbeat         interval of {@code : heartbeat} comments
 * @param tick              how often each shard checks heartbeats and token expiry
 * @param retry             the {@code retry:} a stream starts with (reconnect delay hint)
 * @param queue             bounds of each stream's queue
 * @param maxConnections    streams this instance holds at most
 * @param maxStreamsPerUser streams one user holds at most
 */
public record HubSettings(Duration heartbeat, Duration tick, Duration retry, QueueLimits queue,
                          int maxConnections, int maxStreamsPerUser) {
}
