package dev.herald.notes.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The decoder against a real HTTP issuer (discovery and key set served by the JDK's HTTP server): valid tokens
 * pass, and tokens naming key ids the issuer does not have cost a bounded number of key-set fetches.
 */
class IssuerJwtDecoderIT {

    HttpServer server;
    String issuer;
    final AtomicInteger keySetFetches = new AtomicInteger();
    RSAKey key;

    @BeforeEach
    void serve() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("real").generate();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        issuer = "http://127.0.0.1:" + server.getAddress().getPort() + "/herald";
        server.createContext(
                "/herald/.well-known/openid-configuration",
                exchange -> answer(exchange, "{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + issuer + "/keys\"}"));
        server.createContext("/herald/keys", exchange -> {
            keySetFetches.incrementAndGet();
            answer(exchange, new JWKSet(key.toPublicJWK()).toString());
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void unknownKeyIdsRefreshTheKeySetAtMostTwicePerInterval() throws Exception {
        JwtDecoder decoder = IssuerJwtDecoder.create(
                issuer,
                List.of("herald"),
                new HeraldSecurityProperties.Jwks(Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofSeconds(2)),
                JsonMapper.builder().build());
        assertThat(decoder.decode(token(key, "alice")).getSubject()).isEqualTo("alice");
        assertThat(keySetFetches).hasValue(1);

        RSAKey stranger = new RSAKeyGenerator(2048).keyID("unknown").generate();
        for (int i = 0; i < 20; i++) {
            String forged =
                    token(new RSAKeyGenerator(2048).keyID("unknown-" + i).generate(), "mallory");
            assertThatThrownBy(() -> decoder.decode(forged)).isInstanceOf(JwtException.class);
        }
        assertThatThrownBy(() -> decoder.decode(token(stranger, "mallory"))).isInstanceOf(JwtException.class);
        assertThat(keySetFetches.get())
                .as("key-set fetches for 21 unknown key ids")
                .isLessThanOrEqualTo(3);
        assertThat(decoder.decode(token(key, "bob")).getSubject()).isEqualTo("bob");
    }

    @Test
    void theWrongAudienceIsRefused() throws Exception {
        JwtDecoder decoder = IssuerJwtDecoder.create(
                issuer,
                List.of("other"),
                new HeraldSecurityProperties.Jwks(Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(2)),
                JsonMapper.builder().build());
        assertThatThrownBy(() -> decoder.decode(token(key, "alice"))).isInstanceOf(JwtException.class);
    }

    private String token(RSAKey signer, String subject) throws JOSEException {
        Instant now = Instant.now();
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256)
                        .keyID(signer.getKeyID())
                        .build(),
                new JWTClaimsSet.Builder()
                        .issuer(issuer)
                        .subject(subject)
                        .audience("herald")
                        .issueTime(Date.from(now))
                        .expirationTime(Date.from(now.plusSeconds(300)))
                        .build());
        jwt.sign(new RSASSASigner(signer));
        return jwt.serialize();
    }

    private static void answer(HttpExchange exchange, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }
}
