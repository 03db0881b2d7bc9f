package dev.herald.notes.note;

import java.time.Duration;

/** The caller writes faster than its rate allows; answered with 429 and {@code Retry-After}. */
public class WriteRateExceededException extends RuntimeException {

    private final Duration retryAfter;

    public WriteRateExceededException(Duration retryAfter) {
        super("too many writes: retry in " + Math.max(1, (retryAfter.toMillis() + 999) / 1000) + " s");
        this.retryAfter = retryAfter;
    }

    /** Whole seconds, at least 1, as {@code Retry-After} needs them. */
    public long retryAfterSeconds() {
        return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }
}
