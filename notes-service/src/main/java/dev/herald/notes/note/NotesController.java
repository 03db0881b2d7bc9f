package dev.herald.notes.note;

import dev.herald.contracts.NoteData;
import java.net.URI;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /notes}: JSON in and out; the note's version is its ETag. */
@RestController
@RequestMapping(path = "/notes", produces = MediaType.APPLICATION_JSON_VALUE)
class NotesController {

    private final NoteService service;
    private final NotesProperties properties;

    NotesController(NoteService service, NotesProperties properties) {
        this.service = service;
        this.properties = properties;
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<NoteData> create(@RequestBody NoteInput input, Authentication authentication) {
        NoteData note = service.create(input, Caller.of(authentication));
        return ResponseEntity.created(URI.create("/notes/" + note.id()))
                .eTag(etag(note))
                .body(note);
    }

    @GetMapping
    NotePage list(
            @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "20") int size,
            Authentication authentication) {
        if (page < 0 || page > properties.maxPage()) {
            throw new InvalidInputException("page", "must be between 0 and " + properties.maxPage());
        }
        if (size < 1 || size > properties.maxPageSize()) {
            throw new InvalidInputException("size", "must be between 1 and " + properties.maxPageSize());
        }
        return service.list(page, size, Caller.of(authentication));
    }

    @GetMapping("/{id}")
    ResponseEntity<NoteData> get(@PathVariable String id, Authentication authentication) {
        NoteData note = service.get(id, Caller.of(authentication));
        return ResponseEntity.ok().eTag(etag(note)).body(note);
    }

    @PutMapping(path = "/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<NoteData> update(
            @PathVariable String id,
            @RequestBody NoteInput input,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) @Nullable String ifMatch,
            Authentication authentication) {
        NoteData note = service.update(id, input, IfMatch.of(ifMatch), Caller.of(authentication));
        return ResponseEntity.ok().eTag(etag(note)).body(note);
    }

    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(
            @PathVariable String id,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) @Nullable String ifMatch,
            Authentication authentication) {
        service.delete(id, IfMatch.of(ifMatch), Caller.of(authentication));
        return ResponseEntity.noContent().build();
    }

    private static String etag(NoteData note) {
        return IfMatch.tagOf(note.version()).formattedTag();
    }
}
