package dev.herald.contracts;

/** Kafka topic names. */
public final class Topics {

    /** Every note event, keyed by note id, so one note's events stay in order in one partition. */
    public static final String NOTES_EVENTS = "notes.events";

    private Topics() {}
}
