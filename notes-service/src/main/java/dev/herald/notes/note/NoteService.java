package dev.herald.notes.note;

import dev.herald.contracts.Action;
import dev.herald.contracts.NoteData;
import dev.herald.contracts.ServiceEvent;
import dev.herald.notes.outbox.OutboxWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Slice;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The notes use cases. Each write changes the note and enqueues its event in one transaction: both
 * commit or neither does. Updates and deletes lock the note row first, so one note's events are
 * enqueued in commit order.
 */
@Service
public class NoteService {

    private final NoteRepository notes;
    private final OutboxWriter outbox;
    private final Clock clock;

    NoteService(NoteRepository notes, OutboxWriter outbox) {
        this.notes = notes;
        this.outbox = outbox;
        this.clock = Clock.systemUTC();
    }

    @Transactional
    public NoteData create(NoteInput input, Caller caller) {
        NoteInput.ValidNote valid = input.validate();
        // persisted, not merged (the note says it is new); the insert is flushed at commit, with no extra round trip
        Note note = notes.save(new Note(UUID.randomUUID(), valid.title(), valid.content(), caller.userId(), now()));
        return enqueue(Action.CREATED, note.toData(), caller);
    }

    @Transactional(readOnly = true)
    public NoteData get(String id, Caller caller) {
        return notes.findById(parse(id))
                .filter(caller::mayAccess)
                .orElseThrow(() -> new NoteNotFoundException(id))
                .toData();
    }

    /** The caller's notes (an admin's: everyone's), newest first. */
    @Transactional(readOnly = true)
    public NotePage list(int page, int size, Caller caller) {
        PageRequest request = PageRequest.of(page, size);
        Slice<Note> found = caller.isAdmin() ? notes.findNewest(request) : notes.findNewestOf(caller.userId(), request);
        return new NotePage(found.map(Note::toData).getContent(), page, size, found.hasNext());
    }

    /** Changes a note whose current version {@code ifMatch} permits. */
    @Transactional
    public NoteData update(String id, NoteInput input, IfMatch ifMatch, Caller caller) {
        NoteInput.ValidNote valid = input.validate();
        Note note = lockedAccessible(id, caller);
        if (!ifMatch.permits(note.version())) {
            throw new StaleVersionException(note.version());
        }
        note.change(valid.title(), valid.content(), now());
        notes.flush();
        return enqueue(Action.UPDATED, note.toData(), caller);
    }

    @Transactional
    public void delete(String id, IfMatch ifMatch, Caller caller) {
        Note note = lockedAccessible(id, caller);
        if (!ifMatch.permits(note.version())) {
            throw new StaleVersionException(note.version());
        }
        NoteData asItWas = note.toData();
        notes.delete(note);
        notes.flush();
        enqueue(Action.DELETED, asItWas, caller);
    }

    private Note lockedAccessible(String id, Caller caller) {
        return notes.findForUpdate(parse(id))
                .filter(caller::mayAccess)
                .orElseThrow(() -> new NoteNotFoundException(id));
    }

    private NoteData enqueue(Action action, NoteData note, Caller caller) {
        outbox.enqueue(ServiceEvent.forNote(UUID.randomUUID(), action, note, caller.userId(), now()));
        return note;
    }

    private static UUID parse(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new NoteNotFoundException(id);
        }
    }

    /** PostgreSQL keeps microseconds: truncating keeps the event's timestamps equal to the stored ones. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
