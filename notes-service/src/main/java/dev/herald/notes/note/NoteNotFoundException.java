package dev.herald.notes.note;

/** No such note, or the caller may not see it: the two are answered alike (404) so nothing leaks. */
public class NoteNotFoundException extends RuntimeException {

    public NoteNotFoundException(String id) {
        super("no note " + id);
    }
}
