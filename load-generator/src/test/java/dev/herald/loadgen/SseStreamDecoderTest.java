package dev.herald.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class SseStreamDecoderTest {

    private static final String GATEWAY_BODY = """
            retry: 3000

            data: {"type":"connected"}

            : heartbeat

            id: p1
            event: notes:created
            data: {"id":"x","data":{"content":"%s"}}

            id: p2
            event: notes:created
            data: {"id":"y","data":{"content":"%s"}}

            """.formatted(
            Marker.content(7, 1, Marker.MEASURED, 41, 123456789L), Marker.content(7, 1, Marker.TAIL, 42, 123456999L));

    private final List<String> seen = new ArrayList<>();
    private final List<Integer> statuses = new ArrayList<>();

    private final SseStreamDecoder.Listener listener = new SseStreamDecoder.Listener() {
        @Override
        public void onStatus(int status) {
            statuses.add(status);
        }

        @Override
        public void onEvent(@Nullable String lastEventId, long[] m) {
            seen.add(lastEventId + " run=" + m[0] + " phase=" + m[1] + " part=" + m[2] + " seq=" + m[3] + " t=" + m[4]);
        }
    };

    @Test
    void findsIdAndMarkerOfEachEventInAChunkedStreamSplitAtEveryByte() {
        String body = GATEWAY_BODY.replace("\n", "\r\n");
        String response = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                + chunk(body.substring(0, 50)) + chunk(body.substring(50)) + "0\r\n\r\n";
        byte[] bytes = response.getBytes(StandardCharsets.UTF_8);

        SseStreamDecoder decoder = new SseStreamDecoder(listener);
        for (byte b : bytes) {
            decoder.feed(new byte[] {b}, 0, 1);
        }

        assertThat(statuses).containsExactly(200);
        assertThat(seen)
                .containsExactly(
                        "p1 run=7 phase=1 part=1 seq=41 t=123456789", "p2 run=7 phase=1 part=2 seq=42 t=123456999");
        assertThat(decoder.retryMillis()).isEqualTo(3000);
    }

    @Test
    void theLastEventIdIsThatOfTheLastCompleteFrameNotOfOneCutShort() {
        String body = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
                + GATEWAY_BODY.substring(0, GATEWAY_BODY.indexOf("id: p2") + "id: p2\nevent: notes:created\n".length());
        SseStreamDecoder decoder = new SseStreamDecoder(listener);

        decoder.feed(body.getBytes(StandardCharsets.UTF_8), 0, body.length());

        assertThat(seen).hasSize(1);
        assertThat(decoder.lastEventId())
                .as("a reconnect must ask again for the event cut short")
                .isEqualTo("p1");
    }

    @Test
    void readsAPlainStreamWithoutChunkingAsNchanSendsIt() {
        String response = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n" + GATEWAY_BODY;
        byte[] bytes = response.getBytes(StandardCharsets.UTF_8);

        SseStreamDecoder decoder = new SseStreamDecoder(listener);
        decoder.feed(bytes, 0, 17);
        decoder.feed(bytes, 17, bytes.length - 17);

        assertThat(seen).hasSize(2).last().asString().startsWith("p2 ");
    }

    @Test
    void reportsARejectedStreamsStatusAndNoEvents() {
        byte[] bytes = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\ncontent-length: 0\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);

        new SseStreamDecoder(listener).feed(bytes, 0, bytes.length);

        assertThat(statuses).containsExactly(503);
        assertThat(seen).isEmpty();
    }

    private static String chunk(String data) {
        return Integer.toHexString(data.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + data + "\r\n";
    }
}
