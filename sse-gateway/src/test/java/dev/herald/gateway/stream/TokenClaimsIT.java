package dev.herald.gateway.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.gateway.GatewayIntegrationTest;
import dev.herald.gateway.SseTestClient;
import dev.herald.testsupport.HeraldIssuer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tokens at the edges of what a stream needs: one that names no user or no expiry is refused like any
 * invalid token (401, no place taken); a client that stopped reading when its token expired does not keep
 * its connection or its places.
 */
class TokenClaimsIT extends GatewayIntegrationTest {

    @Test
    void aTokenWithoutSubjectOrExpiryIsRefusedWith401AndTakesNoPlace() {
        int before = hub.connections();
        String withoutSub = HeraldIssuer.tokenWithout(unique("nobody"), "sub");
        String withoutExp = HeraldIssuer.tokenWithout(unique("timeless"), "exp");

        for (String token : List.of(withoutSub, withoutExp)) {
            try (SseTestClient refused = SseTestClient.get(port, "/events", bearer(token))) {
                assertThat(refused.status()).isEqualTo(401);
            }
        }
        assertThat(hub.connections()).isEqualTo(before);
    }

    @Test
    void aClientThatStopsReadingAfterItsTokenExpiredIsDisconnectedAndItsPlacesComeBack() {
        String user = unique("sleeper");
        int before = hub.connections();
        try (SseTestClient stalled = SseTestClient.getWithoutReading(
                port, "/events", bearer(HeraldIssuer.token(user, Duration.ofSeconds(3), "user")))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> hub.connections() == before + 1);
            assertThat(stalled.readUntilClosedByServer(Duration.ofSeconds(15)))
                    .as("the server closed the connection after the token expired")
                    .isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> hub.connections() == before);
        }
    }
}
