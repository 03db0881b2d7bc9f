package dev.herald.notes.note;

import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.ETag;

/**
 * An {@code If-Match} header, compared strongly as RFC 9110 requires: a weak tag ({@code W/"3"}) never
 * matches, a list matches when one of its tags does, {@code *} matches any version, and an unreadable
 * header matches nothing (the write gets 412).
 */
public final class IfMatch {

    /** No header: any version will do. */
    public static final IfMatch ANY = new IfMatch(null);

    private final @Nullable List<ETag> tags;

    private IfMatch(@Nullable List<ETag> tags) {
        this.tags = tags;
    }

    public static IfMatch of(@Nullable String header) {
        return header == null || header.isBlank() ? ANY : new IfMatch(ETag.parse(header));
    }

    /** The tag of a note version, as responses send it. */
    public static ETag tagOf(long version) {
        return new ETag(Long.toString(version), false);
    }

    boolean permits(long version) {
        if (tags == null) {
            return true;
        }
        ETag current = tagOf(version);
        return tags.stream().anyMatch(tag -> tag.isWildcard() || tag.compare(current, true));
    }
}
