package dev.herald.loadgen;

import java.util.List;

/** Sends one event carrying {@code content} as the note content, owned by {@code owner}. Never blocks long. */
interface Publisher extends AutoCloseable {

    void publish(String owner, String content);

    /**
     * Sends events so that subscribers see all of them at the same moment (a backlog released at once);
     * returns {@link System#nanoTime()} of that moment. By default: as fast as it can, one after another.
     */
    default long publishAtOnce(List<String> owners, List<String> contents) {
        long start = System.nanoTime();
        for (int i = 0; i < owners.size(); i++) {
            publish(owners.get(i), contents.get(i));
        }
        return start;
    }

    /** Sends that failed so far (reported, never silently dropped). */
    long errors();

    @Override
    void close();
}
