package dev.herald.gateway.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.contracts.Action;
import dev.herald.contracts.NoteData;
import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.ServiceEventCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SseFormatTest {

    private final ServiceEventCodec codec = new ServiceEventCodec();

    @Test
    void writesIdEventAndDataLinesWithASpaceAfterEachColon() {
        ServiceEvent event = note("alice", Action.UPDATED, "line one\nline two\r\n");
        byte[] json = codec.encode(event);

        Frame frame = SseFormat.eventFrame(event, json, "AbC_-1", 0, 0, new long[] {1});

        String text = frame.toString();
        assertThat(text)
                .isEqualTo(
                        "id: AbC_-1\nevent: notes:updated\ndata: " + new String(json, StandardCharsets.UTF_8) + "\n\n");
        assertThat(text.split("\n", -1)).hasSize(5);
        assertThat(frame.owner()).isEqualTo("alice");
        assertThat(frame.typeBit()).isEqualTo(SseFormat.typeBit(Action.UPDATED));
    }

    @Test
    void seesLineBreaksThatCannotStayInOneDataLine() {
        assertThat(SseFormat.hasLineBreak("{\n}".getBytes(StandardCharsets.UTF_8)))
                .isTrue();
        assertThat(SseFormat.hasLineBreak("{\"a\":\"\\n\"}".getBytes(StandardCharsets.UTF_8)))
                .isFalse();
    }

    static ServiceEvent note(String owner, Action action, String content) {
        UUID id = UUID.randomUUID();
        Instant now = Instant.now();
        return ServiceEvent.forNote(
                UUID.randomUUID(), action, new NoteData(id, "title", content, owner, 1, now, now), owner, now);
    }
}
