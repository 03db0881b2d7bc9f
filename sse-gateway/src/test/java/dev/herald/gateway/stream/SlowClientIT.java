package dev.herald.gateway.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Action;
import dev.herald.contracts.ServiceEvent;
import dev.herald.gateway.GatewayIntegrationTest;
import dev.herald.gateway.SseTestClient;
import dev.herald.gateway.TestEvents;
import dev.herald.gateway.fanout.DisconnectReason;
import dev.herald.testsupport.HeraldIssuer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * A client that stops reading (its socket's receive buffer full, nothing read) among clients that read:
 * it is closed as slow once its socket took nothing for the grace period (5 s here); the reader on the same
 * instance keeps its latency while the stalled client is still connected and gets everything; the closed
 * stream's places come back.
 */
class SlowClientIT extends GatewayIntegrationTest {

    private static final String BIG = "x".repeat(32 * 1024);
    private static final int FLOOD = 200; // 6.4 MB

    @Test
    void closesTheClientThatStopsReadingAfterTheGraceWhileAReaderKeepsItsLatency() throws Exception {
        String owner = unique("busy");
        String token = HeraldIssuer.token(owner, "user");
        double slowBefore = metrics.disconnects(DisconnectReason.SLOW);
        int connectionsBefore = hub.connections();
        try (SseTestClient reader = connect(token);
                SseTestClient stalled = SseTestClient.getWithoutReading(port, "/events", bearer(token))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> hub.connections() == connectionsBefore + 2);

            List<ServiceEvent> flood = new ArrayList<>();
            List<Future<?>> acks = new ArrayList<>();
            for (int i = 0; i < FLOOD; i++) { // far more than the stalled socket and its budget hold
                ServiceEvent event = TestEvents.note(owner, Action.UPDATED, BIG);
                flood.add(event);
                acks.add(TestEvents.publishAsync(event));
            }
            for (Future<?> ack : acks) {
                ack.get();
            }
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> reader.ended()
                            || received(reader).containsKey(flood.getLast().id().toString()));

            // small events at a steady pace while the stalled client is still connected: the reader's latency
            Map<String, Long> ackedNanos = new HashMap<>();
            List<ServiceEvent> probes = new ArrayList<>();
            while (metrics.disconnects(DisconnectReason.SLOW) == slowBefore && probes.size() < 100) {
                ServiceEvent probe = TestEvents.publish(owner, Action.CREATED);
                ackedNanos.put(probe.id().toString(), System.nanoTime());
                if (metrics.disconnects(DisconnectReason.SLOW) == slowBefore) {
                    probes.add(probe);
                }
                Thread.sleep(20); // pacing, not waiting for a result
            }
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> metrics.disconnects(DisconnectReason.SLOW) >= slowBefore + 1);
            assertThat(stalled.readUntilClosedByServer(Duration.ofSeconds(10)))
                    .as("the stalled client's connection was the one closed")
                    .isTrue();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> reader.ended() || received(reader).keySet().containsAll(ackedNanos.keySet()));
            assertThat(reader.ended()).as("the reading client was not closed").isFalse();
            assertThat(reader.named("notes:updated")).hasSize(FLOOD);

            Map<String, Long> receivedNanos = received(reader);
            List<Long> latencies = new ArrayList<>();
            for (ServiceEvent probe : probes) {
                latencies.add((receivedNanos.get(probe.id().toString())
                                - ackedNanos.get(probe.id().toString()))
                        / 1_000_000);
            }
            assertThat(latencies)
                    .as("events published while the stalled client was connected")
                    .hasSizeGreaterThanOrEqualTo(10);
            latencies.sort(null);
            long p99 = latencies.get((int) Math.ceil(latencies.size() * 0.99) - 1);
            assertThat(p99)
                    .as(
                            "the reader's p99 latency (ms) beside a stalled client, over %d events: %s",
                            latencies.size(), latencies)
                    .isLessThan(1_000);

            await().atMost(Duration.ofSeconds(10)).until(() -> hub.connections() == connectionsBefore + 1);
            assertThat(metrics.disconnects(DisconnectReason.SLOW))
                    .as("one stream closed as slow")
                    .isEqualTo(slowBefore + 1);
            assertThat(hub.connections()).as("the reader still holds its place").isEqualTo(connectionsBefore + 1);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.connections() == connectionsBefore);
    }

    /** When the reader got each note event, by event id. */
    private static Map<String, Long> received(SseTestClient reader) {
        Map<String, Long> received = new HashMap<>();
        for (SseTestClient.Event event : reader.events()) {
            if (event.name().startsWith("notes:")) {
                received.putIfAbsent(event.data().substring(7, 43), event.receivedNanos());
            }
        }
        return received;
    }
}
