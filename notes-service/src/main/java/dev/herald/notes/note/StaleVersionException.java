package dev.herald.notes.note;

/** {@code If-Match} named a version that is no longer current; answered with 412. */
public class StaleVersionException extends RuntimeException {

    private final long currentVersion;

    public StaleVersionException(long currentVersion) {
        super("the note has changed: its current version is " + currentVersion);
        this.currentVersion = currentVersion;
    }

    public long currentVersion() {
        return currentVersion;
    }
}
