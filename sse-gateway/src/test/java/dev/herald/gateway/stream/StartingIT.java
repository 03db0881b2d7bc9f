package dev.herald.gateway.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.gateway.SecondInstance;
import dev.herald.gateway.SseTestClient;
import dev.herald.testsupport.HeraldIssuer;
import dev.herald.testsupport.HeraldKafka;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * An instance that has not found its start position yet refuses streams with 503 "Starting" and Retry-After, and
 * its {@code streams} health is out of service; once it reads the topic it admits them. The window is held open
 * for as long as the test needs: the instance reads a topic that does not exist yet (the broker creates no
 * topics by itself), and the test creates it.
 */
class StartingIT {

    @Test
    void anInstanceStillLookingForItsTopicRefusesStreamsWith503StartingThenAdmitsThemOnceItReadsIt() {
        String topic = "starting." + UUID.randomUUID();
        String token =
                HeraldIssuer.token("starting-" + UUID.randomUUID().toString().substring(0, 8), "user");
        try (SecondInstance gateway = SecondInstance.launch(
                "herald.gateway.kafka.topic=" + topic,
                "herald.gateway.retry-after=7s",
                "management.endpoint.health.show-details=always")) {
            int port = gateway.port();
            assertThat(gateway.hub().isReady())
                    .as("no topic, no start position")
                    .isFalse();

            try (SseTestClient refused = SseTestClient.get(port, "/events", SseTestClient.bearer(token));
                    SseTestClient streams = SseTestClient.request(port, "GET", "/actuator/health/streams", Map.of())) {
                assertThat(refused.status())
                        .as("GET /events before the instance reads its topic")
                        .isEqualTo(503);
                assertThat(refused.header("retry-after")).isEqualTo("7");
                assertThat(refused.header("content-type")).startsWith("application/problem+json");
                await().atMost(Duration.ofSeconds(2)).until(() -> refused.body() != null);
                assertThat(refused.body()).contains("\"title\":\"Starting\"", "\"status\":503");
                assertThat(streams.status()).as("GET /actuator/health/streams").isEqualTo(503);
                await().atMost(Duration.ofSeconds(2)).until(() -> streams.body() != null);
                assertThat(streams.body()).contains("\"status\":\"OUT_OF_SERVICE\"", "reading the topic");
            }
            assertThat(gateway.hub().connections())
                    .as("a refused stream holds no place")
                    .isZero();

            HeraldKafka.ensureTopic(topic, 2);
            await().atMost(Duration.ofSeconds(30)).until(gateway.hub()::isReady);

            try (SseTestClient admitted = SseTestClient.get(port, "/events", SseTestClient.bearer(token));
                    SseTestClient streams = SseTestClient.request(port, "GET", "/actuator/health/streams", Map.of())) {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> !admitted.events().isEmpty() || admitted.ended());
                assertThat(admitted.status()).isEqualTo(200);
                assertThat(admitted.events().getFirst().data()).contains("\"type\":\"connected\"");
                assertThat(streams.status()).isEqualTo(200);
                await().atMost(Duration.ofSeconds(2)).until(() -> streams.body() != null);
                assertThat(streams.body()).contains("\"status\":\"UP\"");
            }
        }
    }
}
