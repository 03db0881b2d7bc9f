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

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class SlowClientIT extends GatewayIntegrationTest {

    private static final String BIG = "x".repeat(32 * 1024);

    @Test
    void closesAClientThatStopsReadingWhileAReadingClientKeepsItsLatency() {
        String owner = unique("busy");
        String token = HeraldIssuer.token(owner, "user");
        double slowBefore = metrics.disconnects(DisconnectReason.SLOW);
        try (SseTestClient reader = connect(token);
             SseTestClient stalled = SseTestClient.getWithoutReading(port, "/events", bearer(token))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> hub.connections() >= 2);
            long before = latencyOfOneEvent(owner, reader);

            List<ServiceEvent> flood = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                flood.add(TestEvents.publish(TestEvents.note(owner, Action.UPDATED, BIG)));
            }
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> metrics.disconnects(DisconnectReason.SLOW) >= slowBefore + 1);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> reader.ended() || reader.eventsContaining(flood.getLast().id().toString()).size() == 1);
            assertThat(reader.ended()).as("the reading client was not closed").isFalse();
            assertThat(reader.events().stream().filter(event -> event.name().equals("notes:updated")).count())
                    .isEqualTo(flood.size());

            long after = latencyOfOneEvent(owner, reader);
            assertThat(reader.ended()).isFalse();
            assertThat(after).as("latency after the eviction (ms), before: %d ms", before).isLessThan(Math.max(500, 5 * before));
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
