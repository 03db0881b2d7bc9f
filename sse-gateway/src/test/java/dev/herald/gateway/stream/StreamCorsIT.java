package dev.herald.gateway.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Topics;
import dev.herald.gateway.SecondInstance;
import dev.herald.gateway.SseTestClient;
import dev.herald.testsupport.HeraldIssuer;
import dev.herald.testsupport.HeraldKafka;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * CORS with credentials for a dashboard page of another origin, on a running instance with
 * {@code herald.gateway.dashboard.allowed-origins} set: preflights of {@code /events/session} and
 * {@code /events}, the session and the stream themselves, and the answers that refuse a stream (401, 429,
 * 503), which a page of another origin must be able to read too. Another origin gets no CORS headers.
 */
class StreamCorsIT {

    private static final String DASHBOARD = "http://dashboard.example:3000";
    private static final String STRANGER = "http://elsewhere.example";

    static {
        HeraldKafka.ensureTopic(Topics.NOTES_EVENTS, 3);
    }

    @Test
    void anAllowedOriginGetsCorsHeadersOnEveryAnswerOfTheStreamEndpointsAndOthersGetNone() {
        try (SecondInstance gateway = SecondInstance.start(
                "herald.gateway.dashboard.allowed-origins=" + DASHBOARD + "/",
                "herald.gateway.max-connections=2",
                "herald.gateway.max-streams-per-user=1")) {
            int port = gateway.port();
            String alice = HeraldIssuer.token(unique("alice"), "user");
            String bob = HeraldIssuer.token(unique("bob"), "user");

            for (String path : new String[] {"/events/session", "/events"}) {
                try (SseTestClient preflight = SseTestClient.request(
                                port,
                                "OPTIONS",
                                path,
                                Map.of(
                                        "Origin",
                                        DASHBOARD,
                                        "Access-Control-Request-Method",
                                        path.equals("/events") ? "GET" : "POST",
                                        "Access-Control-Request-Headers",
                                        "authorization"));
                        SseTestClient refused = SseTestClient.request(
                                port,
                                "OPTIONS",
                                path,
                                Map.of("Origin", STRANGER, "Access-Control-Request-Method", "POST"))) {
                    assertCors(preflight, path + " preflight");
                    assertThat(preflight.status()).isEqualTo(204);
                    assertThat(preflight.header("access-control-allow-methods")).contains("GET", "POST", "DELETE");
                    assertThat(preflight.header("access-control-allow-headers"))
                            .containsIgnoringCase("authorization")
                            .containsIgnoringCase("last-event-id");
                    assertThat(refused.status()).isEqualTo(403);
                    assertThat(refused.header("access-control-allow-origin")).isNull();
                }
            }

            try (SseTestClient anonymous =
                            SseTestClient.request(port, "POST", "/events/session", Map.of("Origin", DASHBOARD));
                    SseTestClient badToken = SseTestClient.request(
                            port,
                            "POST",
                            "/events/session",
                            withOrigin(DASHBOARD, SseTestClient.bearer("not-a-jwt")))) {
                assertThat(anonymous.status()).isEqualTo(401);
                assertCors(anonymous, "401 of POST /events/session without a token");
                assertThat(badToken.status()).isEqualTo(401);
                assertCors(badToken, "401 of POST /events/session with a bad token");
            }
            try (SseTestClient session = SseTestClient.request(
                    port, "POST", "/events/session", withOrigin(DASHBOARD, SseTestClient.bearer(alice)))) {
                assertThat(session.status()).isEqualTo(204);
                assertCors(session, "POST /events/session");
                assertThat(session.header("set-cookie")).startsWith("herald_events=");
            }
            try (SseTestClient anonymous = SseTestClient.get(port, "/events", Map.of("Origin", DASHBOARD));
                    SseTestClient badToken = SseTestClient.get(
                            port, "/events", withOrigin(DASHBOARD, SseTestClient.bearer("not-a-jwt")));
                    SseTestClient stranger = SseTestClient.get(port, "/events", Map.of("Origin", STRANGER))) {
                assertThat(anonymous.status()).isEqualTo(401);
                assertCors(anonymous, "401");
                assertThat(badToken.status()).isEqualTo(401);
                assertCors(badToken, "401 of a bad token");
                assertThat(stranger.status()).isEqualTo(401);
                assertThat(stranger.header("access-control-allow-origin")).isNull();
            }
            try (SseTestClient aliceStream = connect(port, alice);
                    SseTestClient tooMany =
                            SseTestClient.get(port, "/events", withOrigin(DASHBOARD, SseTestClient.bearer(alice)));
                    SseTestClient bobStream = connect(port, bob);
                    SseTestClient full = SseTestClient.get(
                            port,
                            "/events",
                            withOrigin(DASHBOARD, SseTestClient.bearer(HeraldIssuer.token(unique("carol"), "user"))))) {
                assertThat(aliceStream.status()).isEqualTo(200);
                assertCors(aliceStream, "the stream");
                assertThat(tooMany.status()).isEqualTo(429);
                assertCors(tooMany, "429");
                assertThat(bobStream.status()).isEqualTo(200);
                assertThat(full.status()).isEqualTo(503);
                assertCors(full, "503");
                assertThat(full.header("retry-after")).isNotBlank();
            }
        }
    }

    private static SseTestClient connect(int port, String token) {
        SseTestClient stream = SseTestClient.get(port, "/events", withOrigin(DASHBOARD, SseTestClient.bearer(token)));
        await().atMost(Duration.ofSeconds(10)).until(() -> !stream.events().isEmpty() || stream.ended());
        return stream;
    }

    private static void assertCors(SseTestClient answer, String what) {
        assertThat(answer.header("access-control-allow-origin"))
                .as("%s: Access-Control-Allow-Origin", what)
                .isEqualTo(DASHBOARD);
        assertThat(answer.header("access-control-allow-credentials"))
                .as("%s: -Credentials", what)
                .isEqualTo("true");
        assertThat(answer.header("access-control-expose-headers"))
                .as("%s: -Expose-Headers", what)
                .containsIgnoringCase("retry-after");
        assertThat(answer.header("vary")).as("%s: Vary", what).containsIgnoringCase("origin");
    }

    private static Map<String, String> withOrigin(String origin, Map<String, String> headers) {
        Map<String, String> all = new HashMap<>(headers);
        all.put("Origin", origin);
        return all;
    }

    private static String unique(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
