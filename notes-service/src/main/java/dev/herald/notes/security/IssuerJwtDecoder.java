package dev.herald.notes.security;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.List;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A JWT decoder for an OIDC issuer: discovery ({@code /.well-known/openid-configuration}) gives the key set
 * URL, Nimbus fetches and caches the keys with a rate limit on refreshes (so unknown key ids cannot make
 * it fetch without bound), and the validators check issuer, audience and timestamps as Boot's would.
 */
final class IssuerJwtDecoder {

    private IssuerJwtDecoder() {}

    static JwtDecoder create(
            String issuer, List<String> audiences, HeraldSecurityProperties.Jwks jwks, JsonMapper json) {
        URL keySet = discoverKeySet(issuer, jwks, json);
        int timeout = (int) jwks.timeout().toMillis();
        JWKSource<SecurityContext> keys = JWKSourceBuilder.<SecurityContext>create(
                        keySet,
                        new DefaultResourceRetriever(timeout, timeout, JWKSourceBuilder.DEFAULT_HTTP_SIZE_LIMIT))
                .cache(jwks.cacheTtl().toMillis(), jwks.timeout().toMillis())
                .refreshAheadCache(false)
                .rateLimited(jwks.minRefreshInterval().toMillis())
                .retrying(false)
                .build();
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSource(keys).build();
        if (audiences.isEmpty()) {
            decoder.setJwtValidator(JwtValidators.createDefaultWithIssuer(issuer));
        } else {
            decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(
                    JwtValidators.createDefaultWithIssuer(issuer),
                    new JwtClaimValidator<List<String>>(
                            JwtClaimNames.AUD, aud -> aud != null && !Collections.disjoint(aud, audiences))));
        }
        return decoder;
    }

    private static URL discoverKeySet(String issuer, HeraldSecurityProperties.Jwks jwks, JsonMapper json) {
        URI discovery = URI.create(issuer.replaceAll("/+$", "") + "/.well-known/openid-configuration");
        try (HttpClient http =
                HttpClient.newBuilder().connectTimeout(jwks.timeout()).build()) {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(discovery).timeout(jwks.timeout()).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(discovery + " answered " + response.statusCode());
            }
            JsonNode metadata = json.readTree(response.body());
            if (!issuer.equals(metadata.path("issuer").asString(""))) {
                throw new IllegalStateException(discovery + " names another issuer: " + metadata.path("issuer"));
            }
            return URI.create(metadata.path("jwks_uri").asString()).toURL();
        } catch (IOException e) {
            throw new IllegalStateException("the issuer " + issuer + " does not answer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking " + issuer, e);
        }
    }
}
