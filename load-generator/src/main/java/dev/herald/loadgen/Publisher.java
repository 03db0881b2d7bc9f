package dev.herald.loadgen;

/** Sends one event carrying {@code content} as the note content, owned by {@code owner}. Never blocks long. */
interface Publisher extends AutoCloseable {

    void publish(String owner, String content);

    /** Sends that failed so far (reported, never silently dropped). */
    long errors();

    @Override
    void close();
}
