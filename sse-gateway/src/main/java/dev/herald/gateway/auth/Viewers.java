package dev.herald.gateway.auth;

import dev.herald.contracts.ReadAccess;
import java.time.Instant;
import java.util.Set;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.stereotype.Component;

/** Reads a {@link Viewer} from a validated JWT, with roles from the configured claim paths. */
@Component
public final class Viewers {

    private final RoleClaimsProperties properties;

    Viewers(RoleClaimsProperties properties) {
        this.properties = properties;
    }

    public Viewer from(Jwt jwt) {
        Set<String> roles = ReadAccess.rolesFrom(jwt.getClaims(), properties.roleClaims());
        Instant expiresAt = jwt.getExpiresAt() != null ? jwt.getExpiresAt() : Instant.MAX;
        return new Viewer(jwt.getSubject(), ReadAccess.isAdmin(roles), expiresAt);
    }
}
