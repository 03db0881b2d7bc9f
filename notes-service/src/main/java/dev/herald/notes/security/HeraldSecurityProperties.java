package dev.herald.notes.security;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code herald.security.*}.
 *
 * @param roleClaims dotted claim paths holding the caller's roles: a plain {@code roles} list and
 *                   Keycloak's {@code realm_access.roles} by default
 */
@ConfigurationProperties("herald.security")
public record HeraldSecurityProperties(@DefaultValue({"roles", "realm_access.roles"}) List<String> roleClaims) {
}
