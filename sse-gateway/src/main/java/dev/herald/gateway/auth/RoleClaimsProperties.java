package dev.herald.gateway.auth;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code herald.security.role-claims}: where roles sit in a token, as dotted claim paths; the same
 * property as notes-service so the two read one token alike.
 *
 * @param roleClaims dotted claim paths holding the caller's roles: a plain {@code roles} list and Keycloak's
 *                   {@code realm_access.roles} by default
 */
@ConfigurationProperties("herald.security")
public record RoleClaimsProperties(
        @DefaultValue({"roles", "realm_access.roles"}) List<String> roleClaims) {}
