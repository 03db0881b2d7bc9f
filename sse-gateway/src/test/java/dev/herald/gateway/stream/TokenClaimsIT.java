package dev.herald.gateway.stream;

import dev.herald.gateway.GatewayIntegrationTest;
import dev.herald.gateway.SseTestClient;
import dev.herald.testsupport.HeraldIssuer;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tokens at the edges of what a stream needs: one that names no user or no expiry is refused like any
 * invalid token (401, no place taken); a client that stopped reading when its token expired does not keep
 * its connection or its places.
 */
class TokenClaimsIT extends GatewayIntegrationTest {

    @Test
    void aTokenWithoutSubjectOrExpiryIsRefusedWith401AndTakesNoPlace() {
        int before = hub.connections();
        Map<String, Object> noSubject = claims();
        noSubject.remove("sub");
        Map<String, Object> noExpiry = claims();
        noExpiry.put("sub", unique("timeless"));

        String withoutSub = HeraldIssuer.server().anyToken(HttpUrl.get(HeraldIssuer.issuerUri()), noSubject,
                Duration.ofHours(1)).serialize();
        String withoutExp = HeraldIssuer.unexpiringToken(noExpiry);

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
        try (SseTestClient stalled = SseTestClient.getWithoutReading(port, "/events",
                bearer(HeraldIssuer.token(user, Duration.ofSeconds(3), "user")))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> hub.connections() == before + 1);
            assertThat(stalled.readUntilClosedByServer(Duration.ofSeconds(15)))
                    .as("the server closed the connection after the token expired").isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> hub.connections() == before);
        }
    }

    private static Map<String, Object> claims() {
        Map<String, Object> claims = new HashMap<>();
        claims.put("iss", HeraldIssuer.issuerUri());
        claims.put("aud", List.of(HeraldIssuer.AUDIENCE));
        claims.put("roles", List.of("user"));
        return claims;
    }
}
