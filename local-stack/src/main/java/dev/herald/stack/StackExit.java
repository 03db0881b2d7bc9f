package dev.herald.stack;

/** Ends the launcher with this exit code, after the reason has been printed. */
final class StackExit extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int code;

    StackExit(int code) {
        super(null, null, false, false);
        this.code = code;
    }

    int code() {
        return code;
    }
}
