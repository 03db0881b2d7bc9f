package dev.herald.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.ReadAccess;
import dev.herald.gateway.GatewayProperties;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A verified token is remembered for the next stream with the same token, and never past its expiry; the
 * decoder here is a stand-in that knows which tokens it issued, checks their expiry and counts its checks.
 */
class StreamAuthenticatorTest {

    private final Map<String, Jwt> issued = new ConcurrentHashMap<>();
    private final AtomicInteger checks = new AtomicInteger();
    /** How long a check takes. */
    private Duration slowness = Duration.ZERO;

    private final ReactiveJwtDecoder decoder = token -> {
        checks.incrementAndGet();
        Jwt jwt = issued.get(token);
        if (jwt == null) {
            return Mono.error(new BadJwtException("not a token of this issuer"));
        }
        if (!Instant.now().isBefore(jwt.getExpiresAt())) {
            return Mono.error(new BadJwtException("expired"));
        }
        return Mono.just(jwt).delayElement(slowness);
    };

    private final StreamAuthenticator authenticator = new StreamAuthenticator(
            decoder,
            new Viewers(new RoleClaimsProperties(ReadAccess.DEFAULT_ROLE_CLAIMS)),
            new Binder(new MapConfigurationPropertySource(Map.of()))
                    .bindOrCreate("herald.gateway", GatewayProperties.class));

    @Test
    void aTokenVerifiedOnceIsNotVerifiedAgainForTheNextStream() {
        String alice = issue("alice", Duration.ofMinutes(10));
        String bob = issue("bob", Duration.ofMinutes(10));

        assertThat(viewer(alice).userId()).isEqualTo("alice");
        assertThat(viewer(alice).userId()).isEqualTo("alice");
        assertThat(viewer(alice).userId()).isEqualTo("alice");
        assertThat(checks).as("one signature check for three streams").hasValue(1);

        assertThat(viewer(bob).userId()).as("another token is its own entry").isEqualTo("bob");
        assertThat(checks).hasValue(2);
    }

    @Test
    void streamsThatBringTheSameTokenAtOnceShareOneCheck() {
        slowness = Duration.ofMillis(300); // all ten arrive while the first check runs
        String alice = issue("alice", Duration.ofMinutes(10));

        List<Viewer> viewers = Flux.range(0, 10)
                .flatMap(i -> authenticator.authenticate(request(alice)))
                .collectList()
                .block(Duration.ofSeconds(5));

        assertThat(viewers)
                .hasSize(10)
                .allSatisfy(viewer -> assertThat(viewer.userId()).isEqualTo("alice"));
        assertThat(checks)
                .as("one signature check for ten streams arriving together")
                .hasValue(1);
    }

    @Test
    void aRememberedTokenIsRefusedOnceItExpires() {
        String alice = issue("alice", Duration.ofMillis(1500));
        assertThat(viewer(alice).userId()).isEqualTo("alice");

        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() ->
                        assertThatThrownBy(() -> viewer(alice)).isInstanceOf(StreamAuthenticationException.class));
        assertThat(checks)
                .as("after its expiry the token went back to the decoder")
                .hasValueGreaterThan(1);
    }

    @Test
    void aRefusedTokenIsNotRemembered() {
        assertThatThrownBy(() -> viewer("forged.token.value")).isInstanceOf(StreamAuthenticationException.class);
        assertThatThrownBy(() -> viewer("forged.token.value")).isInstanceOf(StreamAuthenticationException.class);
        assertThat(checks).hasValue(2);
    }

    private String issue(String subject, Duration lifetime) {
        String token = "token-of-" + subject + "-" + issued.size();
        Instant now = Instant.now();
        issued.put(
                token,
                Jwt.withTokenValue(token)
                        .header("alg", "RS256")
                        .subject(subject)
                        .issuedAt(now)
                        .expiresAt(now.plus(lifetime))
                        .build());
        return token;
    }

    private Viewer viewer(String token) {
        return authenticator.authenticate(request(token)).block(Duration.ofSeconds(5));
    }

    private static MockServerHttpRequest request(String token) {
        return MockServerHttpRequest.get("/events")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .build();
    }
}
