package dev.herald.notes.note;

import org.jspecify.annotations.Nullable;

/** Reads an {@code If-Match} header as a note version. */
final class IfMatch {

    /** A version no note ever has: an unreadable tag matches nothing, so the write gets 412. */
    static final long NO_VERSION = -1;

    private IfMatch() {
    }

    /** {@code null} when the header is absent or {@code *} (any version will do). */
    static @Nullable Long version(@Nullable String header) {
        if (header == null || header.isBlank() || header.strip().equals("*")) {
            return null;
        }
        String tag = header.strip();
        if (tag.startsWith("W/")) {
            tag = tag.substring(2);
        }
        if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")) {
            tag = tag.substring(1, tag.length() - 1);
        }
        try {
            return Long.parseLong(tag);
        } catch (NumberFormatException e) {
            return NO_VERSION;
        }
    }
}
