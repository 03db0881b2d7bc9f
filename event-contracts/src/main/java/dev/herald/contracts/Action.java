package dev.herald.contracts;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What happened to a resource. Serialized in lower case, as the event names' {@code created|updated|deleted}. */
public enum Action {
    CREATED("created"),
    UPDATED("updated"),
    DELETED("deleted");

    private final String wireName;

    Action(String wireName) {
        this.wireName = wireName;
    }

    @JsonValue
    public String wireName() {
        return wireName;
    }

    @JsonCreator
    public static Action fromWireName(String value) {
        for (Action action : values()) {
            if (action.wireName.equals(value)) {
                return action;
            }
        }
        throw new IllegalArgumentException("unknown action '" + value + "' (expected created, updated or deleted)");
    }
}
