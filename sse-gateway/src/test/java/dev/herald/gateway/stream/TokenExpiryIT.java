package dev.herald.gateway.stream;

import dev.herald.gateway.GatewayIntegrationTest;
import dev.herald.gateway.SseTestClient;
import dev.herald.gateway.fanout.DisconnectReason;
import dev.herald.testsupport.HeraldIssuer;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class TokenExpiryIT extends GatewayIntegrationTest {

    @Test
    void endsTheStreamWithAuthExpiredWhenTheTokenExpires() {
        double expiredBefore = metrics.disconnects(DisconnectReason.EXPIRED);
        try (SseTestClient stream = connect(HeraldIssuer.token(unique("brief"), Duration.ofSeconds(3), "user"));
             SseTestClient longer = connect(HeraldIssuer.token(unique("steady"), "user"))) {
            await().atMost(Duration.ofSeconds(10)).until(stream::ended);

            assertThat(stream.events().getLast().name()).isEqualTo("auth-expired");
            assertThat(longer.ended()).isFalse();
            assertThat(metrics.disconnects(DisconnectReason.EXPIRED)).isGreaterThan(expiredBefore);
        }
    }
}
