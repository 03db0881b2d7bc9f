package dev.herald.gateway.fanout;

/** Where a resumed stream's missed events came from, as counted in {@code herald.gateway.resumes}. */
public enum ResumeSource {
    /** All from the in-memory ring. */
    MEMORY("memory"),
    /** Partly or all from Kafka. */
    KAFKA("kafka"),
    /** Its position could not be served: it got {@code event: reset}. */
    RESET("reset");

    private final String tag;

    ResumeSource(String tag) {
        this.tag = tag;
    }

    public String tag() {
        return tag;
    }
}
