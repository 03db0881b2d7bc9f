package dev.herald.gateway.fanout;

/**
 * What a client asks for when it connects: the live stream from now, the events after a position it
 * brings ({@code Last-Event-ID}), or — when that id cannot be read — a reset.
 */
public sealed interface ResumeIntent {

    /** A new stream: live events from the instance's current position. */
    static ResumeIntent fresh() {
        return Fresh.INSTANCE;
    }

    /** A stream that has everything before {@code nextOffsets} (next offset per partition). */
    static ResumeIntent from(long[] nextOffsets) {
        return new From(nextOffsets.clone());
    }

    /** A stream whose position cannot be served. */
    static ResumeIntent reset(ResetReason reason) {
        return new Reset(reason);
    }

    enum Fresh implements ResumeIntent {
        INSTANCE
    }

    record From(long[] nextOffsets) implements ResumeIntent {}

    record Reset(ResetReason reason) implements ResumeIntent {}
}
