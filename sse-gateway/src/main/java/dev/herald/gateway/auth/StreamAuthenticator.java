package dev.herald.gateway.auth;

import dev.herald.gateway.GatewayProperties;
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
 */
@Component
public final class StreamAuthenticator {

    private static final String BEARER = "bearer ";

    private final ReactiveJwtDecoder decoder;
    private final Viewers viewers;
    private final String cookieName;

    StreamAuthenticator(ReactiveJwtDecoder decoder, Viewers viewers, GatewayProperties properties) {
        this.decoder = decoder;
        this.viewers = viewers;
        this.cookieName = properties.session().cookieName();
    }

    /** The viewer of a valid token, or {@link StreamAuthenticationException} (answered with 401). */
    public Mono<Viewer> authenticate(ServerHttpRequest request) {
        String token = token(request);
        if (token == null) {
            return Mono.error(new StreamAuthenticationException("no bearer token or session cookie"));
        }
        return decoder.decode(token)
                .map(viewers::from)
                .onErrorMap(JwtException.class, e -> new StreamAuthenticationException("invalid token"));
    }

    private @org.jspecify.annotations.Nullable String token(ServerHttpRequest request) {
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
