package dev.herald.notes.security;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code herald.security.*}.
 *
 * @param roleClaims      dotted claim paths holding the caller's roles: a plain {@code roles} list and
 *                        Keycloak's {@code realm_access.roles} by default
 * @param tokenCacheSize  verified tokens kept (keyed by the token, each until its {@code exp}), so a client
 *                        that sends the same token many times pays for one signature check; 0 turns it off
 * @param jwks            how the issuer's signing keys are fetched
 */
@ConfigurationProperties("herald.security")
public record HeraldSecurityProperties(
        @DefaultValue({"roles", "realm_access.roles"}) List<String> roleClaims,
        @DefaultValue("10000") int tokenCacheSize,
        @DefaultValue Jwks jwks) {

    /**
     * @param cacheTtl           how long a fetched key set is used before it is fetched again
     * @param minRefreshInterval a token signed with an unknown key id refreshes the key set at most twice per
     *                           interval; others fail at once (no fetch per forged or stale key id)
     * @param timeout            connect and read timeout of discovery and key-set requests
     */
    public record Jwks(
            @DefaultValue("5m") Duration cacheTtl,
            @DefaultValue("30s") Duration minRefreshInterval,
            @DefaultValue("5s") Duration timeout) {}
}
