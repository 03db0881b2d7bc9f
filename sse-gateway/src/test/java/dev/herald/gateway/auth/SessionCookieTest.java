package dev.herald.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.gateway.GatewayProperties;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.http.HttpHeaders;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * The session cookie as an operator gets it without setting anything: {@code Secure}, {@code HttpOnly},
 * {@code SameSite=Strict}, scoped to {@code /events} and living as long as the token. (The integration tests run on
 * plain http and turn {@code Secure} off, so the default is held here.)
 */
class SessionCookieTest {

    @Test
    void theDefaultSessionCookieIsSecureHttpOnlyStrictAndLivesAsLongAsTheToken() {
        GatewayProperties defaults = new Binder(new MapConfigurationPropertySource(Map.of()))
                .bindOrCreate("herald.gateway", GatewayProperties.class);
        Jwt jwt = Jwt.withTokenValue("a.token.value")
                .header("alg", "RS256")
                .subject("alice")
                .issuedAt(Instant.now())
                .expiresAt(Instant.now().plus(Duration.ofMinutes(10)))
                .build();

        String cookie = new SessionController(defaults).open(jwt).getHeaders().getFirst(HttpHeaders.SET_COOKIE);

        assertThat(cookie)
                .startsWith("herald_events=a.token.value")
                .contains("; Secure", "; HttpOnly", "; SameSite=Strict", "; Path=/events")
                .containsPattern("; Max-Age=(599|600)(;|$)");
    }

    @Test
    void signingOutClearsTheCookieWithTheSameAttributes() {
        GatewayProperties defaults = new Binder(new MapConfigurationPropertySource(Map.of()))
                .bindOrCreate("herald.gateway", GatewayProperties.class);

        String cookie = new SessionController(defaults).close().getHeaders().getFirst(HttpHeaders.SET_COOKIE);

        assertThat(cookie)
                .startsWith("herald_events=;")
                .contains("; Secure", "; HttpOnly", "; SameSite=Strict", "; Path=/events", "; Max-Age=0");
    }
}
