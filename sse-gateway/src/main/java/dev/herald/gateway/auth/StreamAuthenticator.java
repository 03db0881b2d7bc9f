package dev.herald.gateway.auth;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.herald.gateway.GatewayProperties;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Authenticates {@code GET /events} with the resource server's own JWT decoder (issuer, audience, expiry),
 * from the {@code Authorization: Bearer} header or the session cookie. It runs in the handler rather than
 * in the security filter chain on purpose: a request's security context (the decoded token and its
 * claims) lives as long as the request, which for a stream is hours; here only the {@link Viewer} stays.
 *
 * <p>A verified token's viewer is kept for a short while ({@link #REMEMBERED}, never past the token's
 * expiry), keyed by the token's SHA-256 digest, not the token: a client's next stream with the same token —
 * its other tabs, its reconnects when an instance goes away — costs a digest instead of a signature check
 * and the claims' conversion, which a reconnect storm pays ten thousand times at once. The key set the
 * decoder trusts is refreshed on its own schedule; a token stays accepted here at most this long after a
 * key was withdrawn.
 */
@Component
public final class StreamAuthenticator {

    /** How long a verified token is remembered at most. */
    static final Duration REMEMBERED = Duration.ofMinutes(1);
    /** Tokens remembered at most (a little more than one instance's streams, each its own token). */
    static final int MAX_REMEMBERED = 20_000;

    private static final String BEARER = "bearer ";

    private final ReactiveJwtDecoder decoder;
    private final Viewers viewers;
    private final String cookieName;
    private final Clock clock = Clock.systemUTC();
    private final AsyncCache<String, Viewer> verified;

    StreamAuthenticator(ReactiveJwtDecoder decoder, Viewers viewers, GatewayProperties properties) {
        this.decoder = decoder;
        this.viewers = viewers;
        this.cookieName = properties.session().cookieName();
        this.verified = Caffeine.newBuilder()
                .maximumSize(MAX_REMEMBERED)
                .expireAfter(Expiry.creating((String digest, Viewer viewer) -> rememberedFor(viewer)))
                .buildAsync();
    }

    /** The viewer of a valid token, or {@link StreamAuthenticationException} (answered with 401). */
    public Mono<Viewer> authenticate(ServerHttpRequest request) {
        String token = token(request);
        if (token == null) {
            return Mono.error(new StreamAuthenticationException("no bearer token or session cookie"));
        }
        // Streams that bring the same token at once (a client's tabs coming back together) share one check; a
        // check that fails is not kept.
        return Mono.fromFuture(verified.get(digest(token), (digest, executor) -> verify(token)), true)
                .filter(viewer -> viewer.expiresAt().isAfter(clock.instant()))
                .switchIfEmpty(Mono.defer(() -> Mono.fromFuture(verify(token), true)))
                .onErrorMap(JwtException.class, e -> new StreamAuthenticationException("invalid token"));
    }

    @SuppressWarnings("NullAway") // toFuture() is typed for a Mono that may complete empty; a decoded token's does not
    private CompletableFuture<Viewer> verify(String token) {
        return decoder.decode(token).map(viewers::from).toFuture();
    }

    private Duration rememberedFor(Viewer viewer) {
        Duration untilExpiry = Duration.between(clock.instant(), viewer.expiresAt());
        return untilExpiry.compareTo(REMEMBERED) < 0 ? untilExpiry : REMEMBERED;
    }

    private static String digest(String token) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private @Nullable String token(ServerHttpRequest request) {
        String authorization = request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (authorization != null) {
            if (authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
                String token = authorization.substring(BEARER.length()).trim();
                return token.isEmpty() ? null : token;
            }
            return null;
        }
        HttpCookie cookie = request.getCookies().getFirst(cookieName);
        return cookie == null || cookie.getValue().isBlank() ? null : cookie.getValue();
    }
}
