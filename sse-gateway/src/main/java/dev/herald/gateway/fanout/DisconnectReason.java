package dev.herald.gateway.fanout;

/** Why a stream ended, as counted in {@code herald.gateway.disconnects}. */
public enum DisconnectReason {
    /** The client went away. */
    CLIENT("client"),
    /**
     * Its socket took nothing for longer than the grace period, or it fell further behind than the replay
     * buffer holds: the client reads slower than its events arrive.
     */
    SLOW("slow"),
    /** Its access token expired ({@code event: auth-expired} was sent). */
    EXPIRED("expired"),
    /** The instance is shutting down and moves its clients elsewhere. */
    DRAINING("draining"),
    /** Refused at connect: a per-user or per-instance limit. */
    LIMIT("limit");

    private final String tag;

    DisconnectReason(String tag) {
        this.tag = tag;
    }

    /** The metric tag value. */
    public String tag() {
        return tag;
    }
}
