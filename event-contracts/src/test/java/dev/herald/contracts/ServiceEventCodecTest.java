package dev.herald.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ServiceEventCodecTest {

    private final ServiceEventCodec codec = new ServiceEventCodec();

    static ServiceEvent sampleEvent(String content) {
        UUID noteId = UUID.randomUUID();
        Instant created = Instant.parse("2026-11-27T10:30:00.123456Z");
        NoteData note = new NoteData(noteId, "Groceries", content, "alice", 7, created, created.plusSeconds(5));
        return ServiceEvent.forNote(UUID.randomUUID(), Action.UPDATED, note, "admin", created.plusSeconds(5));
    }

    @Test
    void roundTripsEveryField() {
        ServiceEvent event = sampleEvent("milk, eggs");

        ServiceEvent decoded = codec.decode(codec.encode(event));

        assertThat(decoded).isEqualTo(event);
        assertThat(decoded.eventName()).isEqualTo("notes:updated");
        assertThat(decoded.cloudEventType()).isEqualTo("notes.updated");
        assertThat(decoded.owner()).isEqualTo("alice");
    }

    @Test
    void writesCompactSingleLineJsonEvenWhenContentHasLineBreaks() {
        String json = codec.encodeToString(sampleEvent("line one\r\nline two\nline three"));

        assertThat(json).doesNotContain("\n").doesNotContain("\r").doesNotContain(": ");
        assertThat(json)
                .contains("\"action\":\"updated\"")
                .contains("\"timestamp\":\"2026-11-27T10:30:05.123456Z\"")
                .contains("\"user\":{\"id\":\"admin\"}")
                .contains("\"schemaVersion\":1");
        assertThat(codec.decode(json).data().content()).isEqualTo("line one\r\nline two\nline three");
    }

    @Test
    void refusesToWriteAnEventThatReadersWouldReject() {
        ServiceEvent event = sampleEvent("x");
        ServiceEvent broken = new ServiceEvent(
                event.id(),
                event.action(),
                event.data(),
                event.user(),
                event.timestamp(),
                "notes\nevent: x",
                event.resourceId(),
                event.schemaVersion());

        assertThatThrownBy(() -> codec.encode(broken))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("resourceType");
    }

    @Test
    void rejectsMalformedJsonAndTrailingGarbage() {
        assertThatThrownBy(() -> codec.decode("{not json")).isInstanceOf(InvalidEventException.class);
        assertThatThrownBy(() -> codec.decode(new byte[0]))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("empty");
        String valid = codec.encodeToString(sampleEvent("x"));
        assertThatThrownBy(() -> codec.decode(valid + " {}")).isInstanceOf(InvalidEventException.class);
    }

    @Test
    void rejectsAResourceIdThatIsNotTheNoteId() {
        String json = codec.encodeToString(sampleEvent("x"))
                .replaceFirst("\"resourceId\":\"[^\"]+\"", "\"resourceId\":\"" + UUID.randomUUID() + "\"");

        assertThatThrownBy(() -> codec.decode(json))
                .isInstanceOfSatisfying(
                        InvalidEventException.class, e -> assertThat(e.field()).isEqualTo("resourceId"));
    }
}
