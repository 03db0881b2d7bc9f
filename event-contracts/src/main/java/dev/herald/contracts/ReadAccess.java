package dev.herald.contracts;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one read rule of Herald: an admin may read every note, a user the notes they created.
 * notes-service applies it to API reads and sse-gateway to event delivery, so the two cannot drift.
 */
public final class ReadAccess {

    /** The role that may read everything. */
    public static final String ADMIN_ROLE = "admin";

    /** Where roles are looked for by default: a plain {@code roles} list, then Keycloak's realm roles. */
    public static final List<String> DEFAULT_ROLE_CLAIMS = List.of("roles", "realm_access.roles");

    private ReadAccess() {}

    public static boolean mayRead(String userId, Collection<String> roles, String owner) {
        return roles.contains(ADMIN_ROLE) || userId.equals(owner);
    }

    public static boolean isAdmin(Collection<String> roles) {
        return roles.contains(ADMIN_ROLE);
    }

    /**
     * Collects the roles from token claims at the given dotted paths ({@code roles},
     * {@code realm_access.roles}); a path that is missing or not a list of strings adds nothing.
     */
    public static Set<String> rolesFrom(Map<String, ?> claims, List<String> claimPaths) {
        Set<String> roles = new LinkedHashSet<>();
        for (String path : claimPaths) {
            Object node = claims;
            for (String segment : path.split("\\.")) {
                node = node instanceof Map<?, ?> map ? map.get(segment) : null;
            }
            if (node instanceof Collection<?> values) {
                for (Object value : values) {
                    if (value instanceof String role && !role.isBlank()) {
                        roles.add(role);
                    }
                }
            }
        }
        return Set.copyOf(roles);
    }
}
