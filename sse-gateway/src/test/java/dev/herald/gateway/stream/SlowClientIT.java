package dev.herald.gateway.stream;

import dev.herald.contracts.Action;
import dev.herald.contracts.ServiceEvent;
import dev.herald.gateway.GatewayIntegrationTest;
import dev.herald.gateway.SseTestClient;
import dev.herald.gateway.TestEvents;
import dev.herald.gateway.fanout.DisconnectReason;
import dev.herald.testsupport.HeraldIssuer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client that stops reading (its socket's receive buffer full, nothing read) among clients that read:
 * it is closed as slow once its socket took nothing for the grace period (5 s here), the reader on the same
 * instance keeps its latency meanwhile and gets everything, and the closed stream's places come back.
 */
class SlowClientIT extends GatewayIntegrationTest {

    private static final String BIG = "x".repeat(32 * 1024);

    @Test
    void closesTheClientThatStopsReadingAfterTheGraceWhileAReaderKeepsItsLatency() throws Exception {
        String owner = unique("busy");
        String token = HeraldIssuer.token(owner, "user");
        double slowBefore = metrics.disconnects(DisconnectReason.SLOW);
        int connectionsBefore = hub.connections();
        try (SseTestClient reader = connect(token);
             SseTestClient stalled = SseTestClient.getWithoutReading(port, "/events", bearer(token))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> hub.connections() >= connectionsBefore + 2);
            long before = latencyOfOneEvent(owner, reader);

            List<ServiceEvent> flood = new ArrayList<>();
            flood(owner, 200, flood); // 6.4 MB: far more than the stalled socket and its budget hold
            long during = latencyOfOneEvent(owner, reader);
            boolean stalledStillConnected = metrics.disconnects(DisconnectReason.SLOW) == slowBefore;
            flood(owner, 200, flood);

            await().atMost(Duration.ofSeconds(30))
                    .until(() -> metrics.disconnects(DisconnectReason.SLOW) >= slowBefore + 1);
            assertThat(stalled.readUntilClosedByServer(Duration.ofSeconds(10)))
                    .as("the stalled client's connection was the one closed").isTrue();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> reader.ended() || reader.eventsContaining(flood.getLast().id().toString()).size() == 1);
            assertThat(reader.ended()).as("the reading client was not closed").isFalse();
            assertThat(reader.events().stream().filter(event -> event.name().equals("notes:updated")).count())
                    .isEqualTo(flood.size());
            assertThat(stalledStillConnected).as("the reader's latency was measured while the stalled client was connected")
                    .isTrue();
            assertThat(during).as("latency (ms) beside a stalled client, before: %d ms", before)
                    .isLessThan(Math.max(1_000, 5 * before));

            long after = latencyOfOneEvent(owner, reader);
            assertThat(after).as("latency after the eviction (ms), before: %d ms", before).isLessThan(Math.max(500, 5 * before));
            await().atMost(Duration.ofSeconds(10)).until(() -> hub.connections() == connectionsBefore + 1);
            assertThat(metrics.disconnects(DisconnectReason.SLOW)).isEqualTo(slowBefore + 1);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.connections() == connectionsBefore);
    }

    private static void flood(String owner, int events, List<ServiceEvent> sent) throws Exception {
        List<Future<?>> acks = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            ServiceEvent event = TestEvents.note(owner, Action.UPDATED, BIG);
            sent.add(event);
            acks.add(TestEvents.publishAsync(event));
        }
        for (Future<?> ack : acks) {
            ack.get();
        }
    }

    /** Milliseconds from publishing an event (broker acknowledged) to the reader having it. */
    private static long latencyOfOneEvent(String owner, SseTestClient reader) {
        long start = System.nanoTime();
        ServiceEvent probe = TestEvents.publish(owner, Action.CREATED);
        await().atMost(Duration.ofSeconds(10)).until(() -> !reader.eventsContaining(probe.id().toString()).isEmpty());
        SseTestClient.Event received = reader.eventsContaining(probe.id().toString()).getFirst();
        return (received.receivedNanos() - start) / 1_000_000;
    }
}
