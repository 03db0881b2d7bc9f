package dev.herald.testsupport;

import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.jspecify.annotations.Nullable;

/**
 * A real OIDC issuer (no.nav.security mock-oauth2-server: discovery, JWKS, signed RS256 tokens) for tests,
 * one per JVM. Tokens carry the audience {@value #AUDIENCE} and a plain {@code roles} claim, or Keycloak's
 * {@code realm_access.roles} when asked.
 */
public final class HeraldIssuer {

    /** The issuer id: the last segment of the issuer URI. */
    public static final String ISSUER_ID = "herald";

    public static final String AUDIENCE = "herald";

    private static volatile @Nullable MockOAuth2Server server;

    private HeraldIssuer() {}

    public static synchronized MockOAuth2Server server() {
        MockOAuth2Server current = server;
        if (current == null) {
            current = new MockOAuth2Server();
            current.start();
            server = current;
            Runtime.getRuntime().addShutdownHook(new Thread(current::shutdown, "herald-issuer-stop"));
        }
        return current;
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
     * A valid token of {@code subject} (role {@code user}) without the named claims ({@code sub},
     * {@code exp}): a resource server must refuse it. Checked: the claims are really absent.
     */
    public static String tokenWithout(String subject, String... claims) {
        Map<String, @Nullable Object> extra = new HashMap<>();
        extra.put("roles", List.of("user"));
        for (String claim : claims) {
            extra.put(claim, null); // the issuer adds these claims after its own; a null removes one
        }
        SignedJWT jwt = server().issueToken(
                        ISSUER_ID,
                        "herald-test",
                        new DefaultOAuth2TokenCallback(
                                ISSUER_ID,
                                subject,
                                "JWT",
                                List.of(AUDIENCE),
                                extra,
                                Duration.ofHours(1).toSeconds()));
        try {
            for (String claim : claims) {
                if (jwt.getJWTClaimsSet().getClaim(claim) != null) {
                    throw new IllegalStateException("the issuer kept the claim " + claim);
                }
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
