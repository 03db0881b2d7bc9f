package dev.herald.gateway.fanout;

import dev.herald.contracts.ServiceEventCodec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * What a stream wrote to its socket: one entry per write the stream handed its channel (buffers of NUL
 * bytes that a test wrote to fill the socket are left out). The stream is started as the server starts it
 * (once its headers went out) and writes to {@code channel} itself.
 */
final class Writes {
    private static final ServiceEventCodec CODEC = new ServiceEventCodec();
    private final List<String> writes = new ArrayList<>();
    final ClientStream stream;
    private final EmbeddedChannel channel;

    Writes(ClientStream stream, EmbeddedChannel channel) {
        this.stream = stream;
        this.channel = channel;
        Mono.<Void>create(done -> stream.start(done, false)).subscribe();
    }

    /** Every write so far, after running what the channel's event loop has pending. */
    List<String> writes() {
        channel.runPendingTasks();
        for (Object message = channel.readOutbound(); message != null; message = channel.readOutbound()) {
            if (message instanceof ByteBuf buffer) {
                if (buffer.isReadable() && buffer.getByte(buffer.readerIndex()) != 0) { // not a test's filler
                    writes.add(buffer.toString(StandardCharsets.UTF_8));
                }
                buffer.release();
            }
        }
        return writes;
    }

    String text() {
        return String.join("", writes());
    }

    /** The titles (test markers) of the note events in an event stream's text, in order. */
    static List<String> noteTitles(String text) {
        List<String> titles = new ArrayList<>();
        for (String frame : text.split("\n\n")) {
            if (frame.contains("event: notes:")) {
                String data = frame.substring(frame.indexOf("data: ") + 6);
                titles.add(CODEC.decode(data.getBytes(StandardCharsets.UTF_8))
                        .data()
                        .title());
            }
        }
        return titles;
    }
}
