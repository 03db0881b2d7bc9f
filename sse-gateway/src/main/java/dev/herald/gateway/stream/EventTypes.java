package dev.herald.gateway.stream;

import dev.herald.contracts.Action;
import dev.herald.contracts.ServiceEvent;
import dev.herald.gateway.fanout.SseFormat;
import org.jspecify.annotations.Nullable;

/** Parses {@code ?types=notes:created,notes:deleted} into a type mask; no parameter means every type. */
final class EventTypes {

    private EventTypes() {}

    static int mask(@Nullable String types) {
        if (types == null || types.isBlank()) {
            return SseFormat.allTypes();
        }
        int mask = 0;
        for (String name : types.split(",")) {
            String trimmed = name.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            mask |= SseFormat.typeBit(action(trimmed));
        }
        if (mask == 0) {
            throw new IllegalArgumentException("types names no event type");
        }
        return mask;
    }

    private static Action action(String name) {
        String prefix = ServiceEvent.NOTES + ":";
        if (name.startsWith(prefix)) {
            for (Action action : Action.values()) {
                if (action.wireName().equals(name.substring(prefix.length()))) {
                    return action;
                }
            }
        }
        throw new IllegalArgumentException(
                "unknown event type (expected notes:created, notes:updated or notes:deleted)");
    }
}
