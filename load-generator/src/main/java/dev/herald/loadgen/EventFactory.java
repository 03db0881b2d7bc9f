package dev.herald.loadgen;

import dev.herald.contracts.Action;
import dev.herald.contracts.NoteData;
import dev.herald.contracts.ServiceEvent;
import java.time.Instant;
import java.util.UUID;

/** Builds the ServiceEvent a notes-service would publish for a newly created note. */
final class EventFactory {

    private EventFactory() {}

    static ServiceEvent created(String owner, String content) {
        Instant now = Instant.now();
        NoteData note = new NoteData(UUID.randomUUID(), "benchmark note", content, owner, 1, now, now);
        return ServiceEvent.forNote(UUID.randomUUID(), Action.CREATED, note, owner, now);
    }
}
