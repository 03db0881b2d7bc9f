package dev.herald.gateway.fanout;

/**
 * Why a resuming stream gets {@code event: reset} (reload your state, then go on live) instead of the
 * events it missed; the value is the {@code reason} of the frame's data.
 */
public enum ResetReason {
    /** The position is older than what the topic still retains. */
    EXPIRED("expired"),
    /** The id is not a position this gateway wrote, or lies past the topic's end. */
    UNREADABLE("unreadable"),
    /** The id is a position of another topic. */
    FOREIGN_TOPIC("foreign-topic"),
    /** Missed events can be read neither from memory nor from Kafka here. */
    UNAVAILABLE("unavailable");

    private final String wire;

    ResetReason(String wire) {
        this.wire = wire;
    }

    /** The {@code reason} written in the reset frame. */
    public String wire() {
        return wire;
    }
}
