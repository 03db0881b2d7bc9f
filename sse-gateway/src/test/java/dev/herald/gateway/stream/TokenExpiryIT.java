package dev.herald.gateway.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.gateway.GatewayIntegrationTest;
import dev.herald.gateway.SseTestClient;
import dev.herald.gateway.fanout.DisconnectReason;
import dev.herald.testsupport.HeraldIssuer;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A stream ends with {@code event: auth-expired} when its token expires — not before — whether the token
 * came as a bearer header or in the session cookie; the cookie lives as long as the token; a token in the
 * query string is never read.
 */
class TokenExpiryIT extends GatewayIntegrationTest {

    /** Tokens of 3 s: {@code exp} is whole seconds after {@code iat}, so one expires at least 2 s after it is issued. */
    private static final Duration VALIDITY = Duration.ofSeconds(3);

    private static final long NOT_BEFORE_MILLIS = 2_000;

    @Test
    void endsTheStreamWithAuthExpiredWhenTheTokenExpiresNotBefore() {
        double expiredBefore = metrics.disconnects(DisconnectReason.EXPIRED);
        long issued = System.nanoTime();
        try (SseTestClient stream = connect(HeraldIssuer.token(unique("brief"), VALIDITY, "user"));
                SseTestClient longer = connect(HeraldIssuer.token(unique("steady"), "user"))) {
            await().atMost(Duration.ofSeconds(10)).until(stream::ended);

            assertThat((stream.endedNanos() - issued) / 1_000_000)
                    .as("ms from the token's issue to the end")
                    .isGreaterThanOrEqualTo(NOT_BEFORE_MILLIS);
            assertThat(stream.events().getLast().name()).isEqualTo("auth-expired");
            assertClosedRightAfterAuthExpired(stream);
            assertThat(longer.ended()).isFalse();
            assertThat(metrics.disconnects(DisconnectReason.EXPIRED)).isGreaterThan(expiredBefore);
        }
    }

    @Test
    void aCookieSessionEndsWithAuthExpiredWhenItsTokenExpiresNotBefore() {
        long issued = System.nanoTime();
        String token = HeraldIssuer.token(unique("cookie"), VALIDITY, "user");
        String setCookie;
        try (SseTestClient session = SseTestClient.request(port, "POST", "/events/session", bearer(token))) {
            assertThat(session.status()).isEqualTo(204);
            setCookie = session.header("set-cookie");
        }
        assertThat(maxAge(setCookie))
                .as("the cookie lives as long as the token")
                .isBetween(1L, 3L);
        try (SseTestClient stream = SseTestClient.get(port, "/events", Map.of("Cookie", "herald_events=" + token))) {
            awaitConnected(stream);
            assertThat(stream.status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(stream::ended);

            assertThat((stream.endedNanos() - issued) / 1_000_000)
                    .as("ms from the token's issue to the end")
                    .isGreaterThanOrEqualTo(NOT_BEFORE_MILLIS);
            assertThat(stream.events().getLast().name()).isEqualTo("auth-expired");
            assertClosedRightAfterAuthExpired(stream);
        }
    }

    @Test
    void theSessionCookieIsHttpOnlyStrictScopedToEventsAndLivesAsLongAsTheToken() {
        String token = HeraldIssuer.token(unique("alice"), Duration.ofHours(1), "user");
        try (SseTestClient session = SseTestClient.request(port, "POST", "/events/session", bearer(token))) {
            assertThat(session.status()).isEqualTo(204);
            String setCookie = session.header("set-cookie");
            assertThat(setCookie)
                    .startsWith("herald_events=" + token + ";")
                    .contains("; HttpOnly", "; SameSite=Strict", "; Path=/events")
                    .as("this fixture sets herald.gateway.session.secure=false")
                    .doesNotContain("Secure");
            assertThat(maxAge(setCookie)).isBetween(3_590L, 3_600L);
            assertThat(session.header("cache-control")).isEqualTo("no-store");
        }
    }

    @Test
    void aTokenInTheQueryStringIsNeverRead() {
        String token = HeraldIssuer.token(unique("alice"), "user");
        int before = hub.connections();
        for (String query : new String[] {"access_token", "token"}) {
            try (SseTestClient stream = SseTestClient.get(port, "/events?" + query + "=" + token, Map.of());
                    SseTestClient session =
                            SseTestClient.request(port, "POST", "/events/session?" + query + "=" + token, Map.of())) {
                assertThat(stream.status()).as("GET /events?%s=", query).isEqualTo(401);
                assertThat(session.status())
                        .as("POST /events/session?%s=", query)
                        .isEqualTo(401);
                assertThat(session.header("set-cookie")).isNull();
            }
        }
        assertThat(hub.connections()).isEqualTo(before);
    }

    /**
     * The whole {@code auth-expired} frame arrives, then the response's terminating chunk: a clean end of the
     * response, after which the server closes the connection (its close waits for what was written before it). A
     * read timeout, a parse error, a reset or a connection closed before the terminating chunk fails here.
     */
    private static void assertClosedRightAfterAuthExpired(SseTestClient stream) {
        assertThat(stream.raw())
                .as("the stream's last bytes")
                .endsWith("event: auth-expired\ndata: {\"type\":\"auth-expired\"}\n\n");
        assertThat(stream.endCause())
                .as("the response ended cleanly right after the auth-expired frame")
                .isEqualTo(SseTestClient.CLEAN_END);
    }

    private static long maxAge(String setCookie) {
        Matcher maxAge = Pattern.compile("Max-Age=(\\d+)").matcher(setCookie);
        assertThat(maxAge.find()).as("Max-Age in %s", setCookie).isTrue();
        return Long.parseLong(maxAge.group(1));
    }
}
