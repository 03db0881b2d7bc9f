package dev.herald.gateway.auth;

import dev.herald.contracts.ReadAccess;
import java.time.Instant;
import java.util.Map;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * The {@link Viewer} the gateway makes of a validated token with these claims, through its own
 * {@link Viewers} and the default role claim paths: unit tests start from claims, as a stream does.
 */
public final class ClaimsViewers {

    private static final Viewers VIEWERS = new Viewers(new RoleClaimsProperties(ReadAccess.DEFAULT_ROLE_CLAIMS));

    private ClaimsViewers() {}

    public static Viewer from(String subject, Map<String, Object> claims) {
        Instant now = Instant.now();
        Jwt jwt = Jwt.withTokenValue("unused")
                .header("alg", "RS256")
                .subject(subject)
                .issuedAt(now)
                .expiresAt(now.plusSeconds(3600))
                .claims(all -> all.putAll(claims))
                .build();
        return VIEWERS.from(jwt);
    }
}
