package dev.herald.stack;

/** A failure the launcher reports as one line ({@code stack: <message>}) and exit code 1. */
final class StackException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    StackException(String message) {
        super(message);
    }
}
