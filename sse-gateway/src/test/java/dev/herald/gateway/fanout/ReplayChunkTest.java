package dev.herald.gateway.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.contracts.Action;
import dev.herald.contracts.NoteData;
import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.ServiceEventCodec;
import dev.herald.gateway.resume.ResumePosition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * A resume of many times the replay chunk through a client that reads slowly, on Netty's embedded channel: the
 * stream's flushes are held back (the socket takes nothing), so the channel stops being writable at its budget, and
 * the client "reads" only when the test lets a flush through. Whether the missed events come from the replay
 * buffer or from a Kafka read, the gateway keeps at most about one chunk queued ahead of the socket, and the client
 * gets every event exactly once, in order, followed by live events.
 */
class ReplayChunkTest {

    private static final String TOPIC = "chunk.test";
    private static final ServiceEventCodec CODEC = new ServiceEventCodec();
    /** The replay chunk: a few frames. */
    private static final long CHUNK = 4 * 1024;

    private static final int MISSED = 300;

    private final GatewayMetrics metrics = new GatewayMetrics(new SimpleMeterRegistry());
    private final EmbeddedChannel socket = HubTest.connection();
    private final HeldFlushes flushes = new HeldFlushes();

    {
        socket.pipeline().addFirst(flushes);
    }

    private final List<String> published = new ArrayList<>();
    /** Copies of the published frames outside the ring, as a Kafka read makes them. */
    private final List<Frame> topic = new ArrayList<>();

    private long next;
    private int largestFrame;

    @Test
    void aResumeFromTheReplayBufferQueuesAtMostAChunkAheadOfASlowSocketAndDeliversEveryEventOnce() {
        Hub hub = hub(new ReplayBuffer(4096, 64 * 1024 * 1024), null);
        for (int i = 0; i < MISSED; i++) {
            publish(hub, "alice");
        }

        Reader alice = resume(hub, 0);

        assertThat(alice.maxQueued)
                .as(
                        "bytes queued ahead of the socket while replaying %s events (chunk %s, largest frame %s)",
                        MISSED, CHUNK, largestFrame)
                .isLessThanOrEqualTo(CHUNK + largestFrame);
        assertThat(alice.notes()).as("every event once, in order").containsExactlyElementsOf(published);
        assertThat(metrics.resumes(ResumeSource.MEMORY)).isEqualTo(1);
        assertThat(metrics.disconnects(DisconnectReason.SLOW)).isZero();
    }

    @Test
    void aResumeFromKafkaQueuesAtMostAChunkAheadOfASlowSocketAndDeliversEveryEventOnce() {
        // the ring holds the last 64 events: a resume from the beginning starts with Kafka reads
        ChunkedReads kafka = new ChunkedReads();
        Hub hub = hub(new ReplayBuffer(64, 64 * 1024 * 1024), kafka);
        for (int i = 0; i < MISSED; i++) {
            publish(hub, "alice");
        }

        Reader alice = resume(hub, 0);

        assertThat(kafka.reads).as("Kafka reads of a chunk each").isGreaterThan(5);
        assertThat(alice.maxQueued)
                .as(
                        "bytes queued ahead of the socket while replaying %s events (chunk %s, largest frame %s)",
                        MISSED, CHUNK, largestFrame)
                .isLessThanOrEqualTo(CHUNK + largestFrame);
        assertThat(alice.notes()).as("every event once, in order").containsExactlyElementsOf(published);
        assertThat(metrics.resumes(ResumeSource.KAFKA)).isEqualTo(1);
        assertThat(metrics.disconnects(DisconnectReason.SLOW)).isZero();
    }

    private Hub hub(ReplayBuffer ring, @Nullable Replayer replayer) {
        HubSettings settings = new HubSettings(
                Duration.ofSeconds(15),
                Duration.ofMillis(1),
                Duration.ofSeconds(3),
                Duration.ZERO,
                Duration.ofHours(1),
                CHUNK,
                10,
                10);
        Hub hub = new Hub(
                settings,
                new ResumeSettings(ResumePosition.topicCheck(TOPIC), Duration.ofHours(1)),
                ring,
                replayer,
                metrics);
        hub.bufferStartsAt(new long[] {0});
        hub.startAt(new long[] {0}, encode(new long[] {0}));
        return hub;
    }

    /**
     * Opens a stream resuming from {@code offset} and reads it slowly: between two reads the event loop runs
     * everything it can, and the bytes queued for the socket are looked at. Half way, more events are published.
     */
    private Reader resume(Hub hub, long offset) {
        assertThat(hub.admit("alice")).isEqualTo(Admission.ADMITTED);
        ClientStream stream = hub.open(
                "alice", false, SseFormat.allTypes(), Long.MAX_VALUE, socket, ResumeIntent.from(new long[] {offset}));
        Reader reader = new Reader(stream);
        Mono.<Void>create(done -> stream.start(done, false)).subscribe();
        boolean publishedMeanwhile = false;
        for (int read = 0; read < 10_000 && !(stream.live && reader.notes().size() == published.size()); read++) {
            socket.runPendingTasks();
            // also once live: a replay that queued everything at once went live in the same step
            reader.maxQueued = Math.max(reader.maxQueued, stream.queuedBytes());
            if (!publishedMeanwhile && reader.notes().size() > MISSED / 2) {
                for (int i = 0; i < 20; i++) { // published while it catches up: replayed or live, once
                    publish(hub, "alice");
                }
                publishedMeanwhile = true;
            }
            reader.read();
        }
        assertThat(stream.live)
                .as("the stream caught up and joined the live stream")
                .isTrue();
        assertThat(publishedMeanwhile).isTrue();
        assertThat(stream.isOpen()).isTrue();
        publish(hub, "alice");
        socket.runPendingTasks();
        reader.read();
        return reader;
    }

    private void publish(Hub hub, String owner) {
        long offset = next++;
        long[] after = {next};
        Instant now = Instant.now();
        String marker = owner + "-" + offset;
        ServiceEvent event = ServiceEvent.forNote(
                UUID.randomUUID(),
                Action.CREATED,
                new NoteData(UUID.randomUUID(), marker, "x".repeat(200), owner, 1, now, now),
                owner,
                now);
        byte[] json = CODEC.encode(event);
        Frame frame = SseFormat.eventFrame(event, json, encode(after), 0, offset, after);
        largestFrame = Math.max(largestFrame, frame.length());
        topic.add(SseFormat.eventFrame(event, json, encode(after), 0, offset, after));
        published.add(marker);
        hub.publish(List.of(frame), after.clone(), encode(after));
    }

    private static String encode(long[] position) {
        return ResumePosition.of(position).encode(TOPIC);
    }

    /**
     * Stands in for the Kafka readers: each read hands over what follows the target's position, at most
     * {@link ReplayTarget#roomBytes} of it (one frame at least), as a reader's chunk does.
     */
    private final class ChunkedReads implements Replayer {
        int reads;

        @Override
        public boolean submit(ReplayTarget target) {
            reads++;
            long from = target.from()[0];
            List<Frame> chunk = new ArrayList<>();
            long bytes = 0;
            long read = from;
            for (Frame frame : topic) {
                if (frame.offset() < from) {
                    continue;
                }
                if (!chunk.isEmpty() && bytes + frame.length() > target.roomBytes()) {
                    break;
                }
                chunk.add(frame);
                bytes += frame.length();
                read = frame.offset() + 1;
            }
            target.deliver(chunk, new long[] {read});
            return true;
        }
    }

    /** A socket that takes nothing until the client reads: flushes wait, and a read lets one through. */
    private static final class HeldFlushes extends ChannelOutboundHandlerAdapter {
        boolean reading;

        @Override
        public void flush(ChannelHandlerContext ctx) {
            if (reading) {
                reading = false; // what the stream writes while this read goes on waits for the next
                ctx.flush();
            }
        }
    }

    /**
     * A client on the embedded channel: what the stream writes stays in Netty's buffer until {@link #read}, the
     * client taking everything Netty holds.
     */
    private final class Reader {
        final ClientStream stream;
        final StringBuilder text = new StringBuilder();
        long maxQueued;

        Reader(ClientStream stream) {
            this.stream = stream;
        }

        void read() {
            flushes.reading = true;
            socket.flush();
            for (ByteBuf written = socket.readOutbound(); written != null; written = socket.readOutbound()) {
                text.append(written.toString(StandardCharsets.UTF_8));
                written.release();
            }
        }

        /** The titles (markers) of the note events read, in order. */
        List<String> notes() {
            return Writes.noteTitles(text.toString());
        }
    }
}
