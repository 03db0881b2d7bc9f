package dev.herald.notes.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.RemoteKeySourceException;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtDecoderInitializationException;
import org.springframework.security.oauth2.jwt.JwtException;

class CachingJwtDecoderTest {

    static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

    final MutableClock clock = new MutableClock(NOW);
    final AtomicInteger checks = new AtomicInteger();

    @Test
    void verifiesTheSameTokenOnceUntilItExpires() {
        CachingJwtDecoder decoder =
                new CachingJwtDecoder(counting(token -> jwt(token, NOW.plusSeconds(60))), 100, clock);
        assertThat(decoder.decode("a").getSubject()).isEqualTo("a");
        assertThat(decoder.decode("a").getSubject()).isEqualTo("a");
        assertThat(checks).hasValue(1);
        clock.now = NOW.plusSeconds(60);
        decoder.decode("a");
        assertThat(checks).as("never served past exp").hasValue(2);
    }

    @Test
    void keepsOnlyTokensThatPassed() {
        CachingJwtDecoder decoder = new CachingJwtDecoder(
                counting(token -> {
                    throw new BadJwtException("bad signature");
                }),
                100,
                clock);
        assertThatThrownBy(() -> decoder.decode("forged")).isInstanceOf(BadJwtException.class);
        assertThatThrownBy(() -> decoder.decode("forged")).isInstanceOf(BadJwtException.class);
        assertThat(checks).hasValue(2);
    }

    @Test
    void anUnreachableIssuerIsReportedAsSuch() {
        CachingJwtDecoder discovery = new CachingJwtDecoder(
                token -> {
                    throw new JwtDecoderInitializationException("no discovery", new IllegalStateException());
                },
                100,
                clock);
        assertThatThrownBy(() -> discovery.decode("t")).isInstanceOf(IssuerUnavailableException.class);
        CachingJwtDecoder keys = new CachingJwtDecoder(
                token -> {
                    throw new JwtException(
                            "Couldn't retrieve remote JWK set", new RemoteKeySourceException("down", null));
                },
                100,
                clock);
        assertThatThrownBy(() -> keys.decode("t")).isInstanceOf(IssuerUnavailableException.class);
    }

    @Test
    void anUnknownKeyIdWhileRefreshesAreRateLimitedIsAnInvalidToken() {
        CachingJwtDecoder decoder = new CachingJwtDecoder(
                token -> {
                    throw new JwtException("no key", new RateLimitReachedException());
                },
                100,
                clock);
        assertThatThrownBy(() -> decoder.decode("t")).isInstanceOf(BadJwtException.class);
    }

    private JwtDecoder counting(JwtDecoder decoder) {
        return token -> {
            checks.incrementAndGet();
            return decoder.decode(token);
        };
    }

    private static Jwt jwt(String subject, Instant expiresAt) {
        return Jwt.withTokenValue(subject)
                .header("alg", "RS256")
                .subject(subject)
                .issuedAt(expiresAt.minus(Duration.ofMinutes(5)))
                .expiresAt(expiresAt)
                .build();
    }

    static final class MutableClock extends Clock {
        volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
