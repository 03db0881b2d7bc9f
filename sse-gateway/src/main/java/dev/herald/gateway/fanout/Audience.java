package dev.herald.gateway.fanout;

import dev.herald.contracts.ReadAccess;
import java.util.Set;

/**
 * Who may see an event: its owner and every admin ({@link ReadAccess}, the API's own read rule). Fan-out
 * finds an event's candidates in the index by owner and by the admin role, and every candidate — live,
 * replayed from memory or from Kafka — is then checked here ({@link ClientStream#wants}), so no path can
 * send an event the API would not let its reader read.
 */
public final class Audience {

    private static final Set<String> ADMIN = Set.of(ReadAccess.ADMIN_ROLE);
    private static final Set<String> NO_ROLES = Set.of();

    private Audience() {}

    /** Whether a subscriber (user id, admin or not) belongs to the audience of an event owned by {@code owner}. */
    public static boolean includes(String owner, String userId, boolean admin) {
        return ReadAccess.mayRead(userId, admin ? ADMIN : NO_ROLES, owner);
    }
}
