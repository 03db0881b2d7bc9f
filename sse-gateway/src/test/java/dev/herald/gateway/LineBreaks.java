package dev.herald.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.ServiceEventCodec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Record values that are valid events but not one line (pretty-printed JSON, CR in whitespace), as any
 * writer of the topic may produce them, and the check that such an event still reaches a stream as one
 * frame of exactly an {@code id}, an {@code event} and one {@code data} line.
 */
public final class LineBreaks {

    private static final ServiceEventCodec CODEC = new ServiceEventCodec();

    /** Whitespace a JSON writer may put between tokens, each with a line break. */
    public static final List<String> SPACINGS = List.of("\n  ", "\r", "\r\n\t", "\n\n");

    private LineBreaks() {}

    /** The codec's JSON of {@code event} with {@code whitespace} after every '{', ',' and ':' outside strings. */
    public static byte[] spread(ServiceEvent event, String whitespace) {
        byte[] json = CODEC.encode(event);
        byte[] space = whitespace.getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean inString = false;
        boolean escaped = false;
        for (byte b : json) {
            out.write(b);
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (b == '\\') {
                    escaped = true;
                } else if (b == '"') {
                    inString = false;
                }
            } else if (b == '"') {
                inString = true;
            } else if (b == '{' || b == ',' || b == ':') {
                out.writeBytes(space);
            }
        }
        byte[] spread = out.toByteArray();
        assertThat(CODEC.decode(spread)).as("still a valid event").isEqualTo(CODEC.decode(json));
        return spread;
    }

    /**
     * The stream holds {@code event} exactly once, as a frame of exactly {@code id:}, {@code event:} and one
     * {@code data:} line whose JSON decodes to the event, and no CR anywhere.
     */
    public static void assertWrittenAsOneDataLine(SseTestClient stream, ServiceEvent event) {
        String raw = stream.raw();
        assertThat(raw).as("no CR reaches the stream").doesNotContain("\r");
        List<String> frames = Arrays.stream(raw.split("\n\n"))
                .filter(frame -> frame.contains(event.id().toString()))
                .toList();
        assertThat(frames).as("frames holding event %s", event.id()).hasSize(1);
        List<String> lines = List.of(frames.getFirst().split("\n", -1));
        assertThat(lines).as("the frame of event %s", event.id()).hasSize(3);
        assertThat(lines.get(0)).startsWith("id: ");
        assertThat(lines.get(1)).isEqualTo("event: " + event.eventName());
        assertThat(lines.get(2)).startsWith("data: {");
        ServiceEvent written =
                CODEC.decode(lines.get(2).substring("data: ".length()).getBytes(StandardCharsets.UTF_8));
        assertThat(written).isEqualTo(CODEC.decode(CODEC.encode(event)));
    }
}
