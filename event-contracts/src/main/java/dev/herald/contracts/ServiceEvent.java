package dev.herald.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One change to one resource, in the shape Herald started with (docs/architecture.md), plus {@code resourceId} (the
 * note id, also the Kafka key) and {@code schemaVersion}. The event {@code id} is unique per event and is the
 * deduplication key downstream (delivery is at-least-once).
 */
public record ServiceEvent(
        UUID id,
        Action action,
        NoteData data,
        @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Actor user,
        Instant timestamp,
        String resourceType,
        String resourceId,
        @JsonProperty(required = true) int schemaVersion) {

    /** The schema version this code writes and reads. */
    public static final int SCHEMA_VERSION = 1;

    /** The resource type of note events. */
    public static final String NOTES = "notes";

    /**
     * The largest encoded event (record value) this contract allows, in bytes. A note's content is at most
     * 64 KiB of UTF-8 and its title 200 characters; JSON escaping can make content up to six times longer
     * ({@code \u0000}), and the rest of an event is well under a kilobyte, so every valid note event
     * fits. Consumers size their buffers from it.
     */
    public static final int MAX_ENCODED_BYTES = 512 * 1024;

    /** A note event as notes-service writes it. */
    public static ServiceEvent forNote(UUID id, Action action, NoteData note, String actorId, Instant timestamp) {
        return new ServiceEvent(
                id,
                action,
                note,
                new Actor(actorId),
                timestamp,
                NOTES,
                note.id().toString(),
                SCHEMA_VERSION);
    }

    /** The SSE event name, as clients know it: {@code notes:created}, {@code notes:updated}, {@code notes:deleted}. */
    public String eventName() {
        return resourceType + ":" + action.wireName();
    }

    /** The CloudEvents type: {@code notes.created}, ... */
    public String cloudEventType() {
        return resourceType + "." + action.wireName();
    }

    /** The user who owns the resource, the basis of the read rule (owner or admin). */
    public String owner() {
        return data.createdBy();
    }
}
