package dev.herald.gateway.resume;

/** A {@code Last-Event-ID} that is not a position in this topic. Resume answers it with {@code event: reset}. */
public final class InvalidPositionException extends RuntimeException {

    public enum Reason {
        /** Not something {@link ResumePosition#encode} wrote. */
        UNREADABLE,
        /** A position, but in another topic. */
        FOREIGN_TOPIC
    }

    private final Reason reason;

    public InvalidPositionException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
