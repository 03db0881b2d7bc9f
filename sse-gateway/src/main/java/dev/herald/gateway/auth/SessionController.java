package dev.herald.gateway.auth;

import dev.herald.gateway.GatewayProperties;
import java.time.Duration;
import java.time.Instant;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /events/session} (with a bearer token) puts that token into an HttpOnly, SameSite=Strict
 * cookie scoped to {@code /events}, valid as long as the token; {@code DELETE /events/session} clears it.
 * A browser's native EventSource then authenticates, and re-authenticates on reconnect, by itself.
 */
@RestController
class SessionController {

    private final GatewayProperties.Session session;

    SessionController(GatewayProperties properties) {
        this.session = properties.session();
    }

    @PostMapping("/events/session")
    ResponseEntity<Void> open(@AuthenticationPrincipal Jwt jwt) {
        Instant expiresAt = jwt.getExpiresAt();
        Duration validity = expiresAt == null ? Duration.ofHours(1) : Duration.between(Instant.now(), expiresAt);
        return ResponseEntity.noContent()
                .header(
                        HttpHeaders.SET_COOKIE,
                        cookie(jwt.getTokenValue(), validity.isNegative() ? Duration.ZERO : validity))
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .build();
    }

    @DeleteMapping("/events/session")
    ResponseEntity<Void> close() {
        return ResponseEntity.noContent()
                .header(HttpHeaders.SET_COOKIE, cookie("", Duration.ZERO))
                .build();
    }

    private String cookie(String value, Duration maxAge) {
        return ResponseCookie.from(session.cookieName(), value)
                .httpOnly(true)
                .secure(session.secure())
                .sameSite("Strict")
                .path("/events")
                .maxAge(maxAge)
                .build()
                .toString();
    }
}
