package dev.herald.gateway.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.gateway.GatewayIntegrationTest;
import dev.herald.gateway.SseTestClient;
import dev.herald.testsupport.HeraldIssuer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = {"herald.gateway.max-connections=4", "herald.gateway.max-streams-per-user=2"})
class ConnectionLimitsIT extends GatewayIntegrationTest {

    @Test
    void refusesAUsersStreamPastItsLimitAndTheInstancesPastItsOwnThenAdmitsAgainAfterDisconnects() {
        String alice = unique("alice");
        String aliceToken = HeraldIssuer.token(alice, "user");
        try (SseTestClient first = connect(aliceToken);
                SseTestClient second = connect(aliceToken);
                SseTestClient third = SseTestClient.get(port, "/events", bearer(aliceToken))) {
            assertThat(first.status()).isEqualTo(200);
            assertThat(second.status()).isEqualTo(200);
            assertThat(third.status()).isEqualTo(429);
            assertThat(third.header("content-type")).startsWith("application/problem+json");
            await().atMost(Duration.ofSeconds(5)).until(() -> third.body() != null);
            assertThat(third.body()).contains("\"status\":429");

            try (SseTestClient bob = connect(HeraldIssuer.token(unique("bob"), "user"));
                    SseTestClient carol = connect(HeraldIssuer.token(unique("carol"), "user"));
                    SseTestClient dave =
                            SseTestClient.get(port, "/events", bearer(HeraldIssuer.token(unique("dave"), "user")))) {
                assertThat(bob.status()).isEqualTo(200);
                assertThat(carol.status()).isEqualTo(200);
                assertThat(dave.status()).isEqualTo(503);
                assertThat(dave.header("retry-after")).isEqualTo("5");
                assertThat(dave.header("content-type")).startsWith("application/problem+json");
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> hub.connections() == 2);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> hub.connections() == 0);
        try (SseTestClient again = connect(aliceToken)) {
            assertThat(again.status()).isEqualTo(200);
        }
    }
}
