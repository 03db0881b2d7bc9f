package dev.herald.stack;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The local stack's demo users and their roles: {@code alice} and {@code bob} are users, {@code admin} is an admin. */
public final class DemoUsers {

    public static final String USER_ROLE = "user";
    public static final String ADMIN_ROLE = "admin";

    private static final Map<String, List<String>> ROLES = new LinkedHashMap<>();

    static {
        ROLES.put("alice", List.of(USER_ROLE));
        ROLES.put("bob", List.of(USER_ROLE));
        ROLES.put("admin", List.of(ADMIN_ROLE));
    }

    private DemoUsers() {}

    /** The demo users' names, in display order. */
    public static List<String> names() {
        return List.copyOf(ROLES.keySet());
    }

    /** A demo user's roles; any other name is a plain user, so a newcomer can try a fourth account. */
    public static List<String> rolesOf(String user) {
        return ROLES.getOrDefault(user, List.of(USER_ROLE));
    }
}
