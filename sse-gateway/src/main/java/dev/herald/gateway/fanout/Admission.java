package dev.herald.gateway.fanout;

/** The answer to a new stream. */
public enum Admission {
    ADMITTED,
    /** The user already holds as many streams as allowed (429). */
    USER_LIMIT,
    /** The instance holds as many streams as allowed (503). */
    INSTANCE_LIMIT,
    /** The instance is shutting down and moves its streams elsewhere (503). */
    DRAINING
}
