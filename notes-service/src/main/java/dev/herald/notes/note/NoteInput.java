package dev.herald.notes.note;

import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/** The body of {@code POST /notes} and {@code PUT /notes/{id}}. */
public record NoteInput(@Nullable String title, @Nullable String content) {

    static final int MAX_TITLE_CHARACTERS = 200;
    static final int MAX_CONTENT_BYTES = 64 * 1024;

    /** A valid input, or an {@link InvalidInputException} naming the field. */
    ValidNote validate() {
        if (title == null || title.isBlank()) {
            throw new InvalidInputException("title", "must not be empty");
        }
        if (title.codePointCount(0, title.length()) > MAX_TITLE_CHARACTERS) {
            throw new InvalidInputException("title", "must be at most " + MAX_TITLE_CHARACTERS + " characters");
        }
        if (content == null) {
            throw new InvalidInputException("content", "is required");
        }
        if (content.length() > MAX_CONTENT_BYTES / 3
                && content.getBytes(StandardCharsets.UTF_8).length > MAX_CONTENT_BYTES) {
            throw new InvalidInputException("content", "must be at most 64 KiB (UTF-8)");
        }
        if (title.indexOf('\0') >= 0 || content.indexOf('\0') >= 0) {
            throw new InvalidInputException(
                    title.indexOf('\0') >= 0 ? "title" : "content", "must not contain NUL characters");
        }
        return new ValidNote(title, content);
    }

    record ValidNote(String title, String content) {}
}
