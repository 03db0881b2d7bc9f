package dev.herald.contracts;

/** A record that is not a valid {@link ServiceEvent}; the message names the offending field. */
public class InvalidEventException extends RuntimeException {

    private final String field;

    public InvalidEventException(String field, String problem) {
        super(field.isEmpty() ? problem : field + ": " + problem);
        this.field = field;
    }

    public InvalidEventException(String field, String problem, Throwable cause) {
        super(field.isEmpty() ? problem : field + ": " + problem, cause);
        this.field = field;
    }

    /** The JSON path of the offending field, such as {@code data.createdBy}; empty for the whole document. */
    public String field() {
        return field;
    }
}
