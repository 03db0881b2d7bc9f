package dev.herald.testsupport;

import com.nimbusds.jwt.SignedJWT;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A real OIDC issuer (no.nav.security mock-oauth2-server: discovery, JWKS, signed RS256 tokens) for tests,
 * one per JVM. Tokens carry the audience {@value #AUDIENCE} and a plain {@code roles} claim, or Keycloak's
 * {@code realm_access.roles} when asked.
 */
public final class HeraldIssuer {

    /** The issuer id: the last segment of the issuer URI. */
    public static final String ISSUER_ID = "herald";
    public static final String AUDIENCE = "herald";

    private static volatile MockOAuth2Server server;

    private HeraldIssuer() {
    }

    public static synchronized MockOAuth2Server server() {
        if (server == null) {
            MockOAuth2Server started = new MockOAuth2Server();
            started.start();
            server = started;
            Runtime.getRuntime().addShutdownHook(new Thread(started::shutdown, "herald-issuer-stop"));
        }
        return server;
    }

    /** What {@code spring.security.oauth2.resourceserver.jwt.issuer-uri} must be set to. */
    public static String issuerUri() {
        return server().issuerUrl(ISSUER_ID).toString();
    }

    /** An access token for {@code user} with the given roles, valid for an hour. */
    public static String token(String user, String... roles) {
        return token(user, Duration.ofHours(1), roles);
    }

    public static String token(String user, Duration validity, String... roles) {
        return issue(user, AUDIENCE, validity, Map.of("roles", List.of(roles)));
    }

    /** A token whose roles sit where Keycloak puts them: {@code realm_access.roles}. */
    public static String keycloakStyleToken(String user, String... roles) {
        return issue(user, AUDIENCE, Duration.ofHours(1), Map.of("realm_access", Map.of("roles", List.of(roles))));
    }

    /** A token for another audience: a resource server must reject it. */
    public static String tokenForAudience(String user, String audience) {
        return issue(user, audience, Duration.ofHours(1), Map.of("roles", List.of("user")));
    }

    /**
     * A token signed by this issuer with exactly {@code claims} and no {@code exp}: a resource server must
     * refuse it (it would never expire).
     */
    public static String unexpiringToken(Map<String, ?> claims) {
        Map<String, @Nullable Object> withoutExpiry = new HashMap<>(claims);
        withoutExpiry.put("exp", null); // the claims builder drops a claim set to null
        SignedJWT jwt = server().anyToken(HttpUrl.get(issuerUri()), withoutExpiry, Duration.ofHours(1));
        try {
            if (jwt.getJWTClaimsSet().getExpirationTime() != null) {
                throw new IllegalStateException("the issuer added an expiry");
            }
        } catch (java.text.ParseException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    public static String issue(String subject, String audience, Duration validity, Map<String, ?> claims) {
        SignedJWT jwt = server().issueToken(ISSUER_ID, subject, audience, claims, validity.toSeconds());
        return jwt.serialize();
    }
}
