package dev.herald.gateway.resume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Action;
import dev.herald.contracts.ServiceEvent;
import dev.herald.gateway.GatewayIntegrationTest;
import dev.herald.gateway.SecondInstance;
import dev.herald.gateway.SseTestClient;
import dev.herald.gateway.TestEvents;
import dev.herald.gateway.fanout.DisconnectReason;
import dev.herald.gateway.fanout.GatewayMetrics;
import dev.herald.gateway.fanout.Hub;
import dev.herald.testsupport.HeraldIssuer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Herald's own drain: a stopping instance refuses new streams (503, Retry-After) and closes its streams
 * spread over the drain window, as draining; their clients resume on another instance with nothing lost.
 */
class DrainIT extends GatewayIntegrationTest {

    @Test
    void aStoppingInstanceRefusesNewStreamsAndClosesItsStreamsSpreadOverTheWindow() throws Exception {
        SecondInstance draining = SecondInstance.start(
                "herald.gateway.drain.window=2s", "management.endpoint.health.show-details=always");
        Hub hub = draining.hub();
        GatewayMetrics metrics = draining.metrics();
        List<String> users = new ArrayList<>();
        List<SseTestClient> streams = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            String user = unique("drained");
            users.add(user);
            SseTestClient stream =
                    SseTestClient.get(draining.port(), "/events", bearer(HeraldIssuer.token(user, "user")));
            awaitConnected(stream);
            streams.add(stream);
        }
        long drainStart = System.nanoTime();
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(draining::close);
        await().atMost(Duration.ofSeconds(10)).until(hub::isDraining);

        try (SseTestClient refused = SseTestClient.get(
                        draining.port(), "/events", bearer(HeraldIssuer.token(unique("late"), "user")));
                SseTestClient health = SseTestClient.request(draining.port(), "GET", "/actuator/health", Map.of());
                SseTestClient streamsHealth =
                        SseTestClient.request(draining.port(), "GET", "/actuator/health/streams", Map.of())) {
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.header("Retry-After")).isNotBlank();
            assertThat(refused.header("content-type")).startsWith("application/problem+json");
            await().atMost(Duration.ofSeconds(2)).until(() -> refused.body() != null);
            assertThat(refused.body()).contains("\"title\":\"Draining\"", "\"status\":503");
            assertThat(health.status())
                    .as("the instance is out of service while it drains")
                    .isEqualTo(503);
            await().atMost(Duration.ofSeconds(2)).until(() -> health.body() != null);
            assertThat(health.body()).contains("\"status\":\"OUT_OF_SERVICE\"");
            // the context's readiness is out of service too while it closes: the streams contributor must say so itself
            assertThat(streamsHealth.status())
                    .as("GET /actuator/health/streams while draining")
                    .isEqualTo(503);
            await().atMost(Duration.ofSeconds(2)).until(() -> streamsHealth.body() != null);
            assertThat(streamsHealth.body()).contains("\"status\":\"OUT_OF_SERVICE\"", "\"reason\":\"draining\"");
        }
        List<Long> ends = new ArrayList<>();
        for (SseTestClient stream : streams) {
            assertThat(stream.awaitEnd(Duration.ofSeconds(10)))
                    .as("closed at all")
                    .isTrue();
            assertThat(stream.endCause())
                    .as("the server ended it, not a read timeout or a parse error")
                    .isIn(SseTestClient.CLEAN_END, SseTestClient.CONNECTION_CLOSED);
            ends.add(stream.endedNanos());
        }
        long lastEndMillis = (ends.stream().mapToLong(Long::longValue).max().orElseThrow() - drainStart) / 1_000_000;
        assertThat(lastEndMillis)
                .as("every stream closed within the 2 s window (+1 s)")
                .isLessThanOrEqualTo(3_000);
        long spreadMillis = (ends.stream().mapToLong(Long::longValue).max().orElseThrow()
                        - ends.stream().mapToLong(Long::longValue).min().orElseThrow())
                / 1_000_000;
        assertThat(spreadMillis)
                .as("closes spread over the 2 s window, not all at once")
                .isGreaterThan(500);
        stopped.get();
        assertThat(metrics.disconnects(DisconnectReason.DRAINING)).isGreaterThanOrEqualTo(streams.size());

        // each client moves to the other instance with its last id and misses nothing published meanwhile
        List<ServiceEvent> meanwhile = new ArrayList<>();
        for (String user : users.subList(0, 4)) {
            meanwhile.add(TestEvents.publish(user, Action.CREATED));
        }
        for (int i = 0; i < 4; i++) {
            try (SseTestClient resumed = resume(
                    HeraldIssuer.token(users.get(i), "user"), streams.get(i).lastId())) {
                ServiceEvent expected = meanwhile.get(i);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> eventIds(resumed).contains(expected.id()));
                assertThat(eventIds(resumed)).containsExactly(expected.id());
            }
        }
    }
}
