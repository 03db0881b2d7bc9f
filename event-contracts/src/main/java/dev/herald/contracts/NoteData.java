package dev.herald.contracts;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.UUID;

/**
 * A note as it stands after the action; a {@code deleted} event carries the note as it was.
 * {@code version} lets a consumer drop a stale update.
 */
public record NoteData(
        UUID id,
        String title,
        String content,
        String createdBy,
        @JsonProperty(required = true) long version,
        Instant createdAt,
        Instant updatedAt) {}
