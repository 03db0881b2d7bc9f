package dev.herald.notes.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtDecoderInitializationException;
import org.springframework.security.oauth2.jwt.JwtException;

/**
 * Verifies a token once and remembers the result, keyed by the token itself, until the token's
 * {@code exp} (never past it) in a bounded cache. Only tokens that passed every check are kept. When the
 * issuer cannot be reached (discovery or key set), decoding fails with {@link IssuerUnavailableException}; a
 * token whose key id is unknown while key-set refreshes are rate-limited is simply invalid.
 */
final class CachingJwtDecoder implements JwtDecoder {

    private final JwtDecoder delegate;
    private final Clock clock;
    private final Cache<String, Jwt> verified;

    CachingJwtDecoder(JwtDecoder delegate, int maxTokens, Clock clock) {
        this.delegate = delegate;
        this.clock = clock;
        this.verified = Caffeine.newBuilder()
                .maximumSize(maxTokens)
                .expireAfter(Expiry.<String, Jwt>creating((token, jwt) ->
                        until(Objects.requireNonNull(jwt.getExpiresAt(), "only tokens with an expiry are cached"))))
                .build();
    }

    @Override
    public Jwt decode(String token) throws JwtException {
        Jwt known = verified.getIfPresent(token);
        if (known != null && known.getExpiresAt() != null && clock.instant().isBefore(known.getExpiresAt())) {
            return known;
        }
        Jwt jwt;
        try {
            jwt = delegate.decode(token);
        } catch (JwtDecoderInitializationException e) {
            throw new IssuerUnavailableException(e);
        } catch (JwtException e) {
            if (causedBy(e, RateLimitReachedException.class)) {
                // an unknown key id while key-set refreshes are rate-limited: the token is as good as forged
                throw new BadJwtException("no key of the issuer matches the token's key id", e);
            }
            if (causedBy(e, KeySourceException.class)) {
                throw new IssuerUnavailableException(e);
            }
            throw e;
        }
        if (jwt.getExpiresAt() != null && until(jwt.getExpiresAt()).isPositive()) {
            verified.put(token, jwt);
        }
        return jwt;
    }

    private Duration until(Instant expiresAt) {
        return Duration.between(clock.instant(), expiresAt);
    }

    private static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
        for (Throwable e = error; e != null; e = e.getCause()) {
            if (type.isInstance(e)) {
                return true;
            }
        }
        return false;
    }
}
