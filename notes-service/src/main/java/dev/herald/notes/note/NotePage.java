package dev.herald.notes.note;

import dev.herald.contracts.NoteData;
import java.util.List;

/** One page of notes, newest first; {@code hasNext} tells whether another page follows. */
public record NotePage(List<NoteData> items, int page, int size, boolean hasNext) {}
