package dev.herald.gateway.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.herald.contracts.Action;
import dev.herald.contracts.NoteData;
import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.ServiceEventCodec;
import dev.herald.gateway.resume.ResumePosition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The seam between replay and live on Netty's embedded channel, with positions made by hand: a stream
 * behind the instance is replayed from the ring; a stream ahead of it (it came from an instance further
 * on) skips what it has, and its ids never go back.
 */
class ResumeSeamTest {

    private static final String TOPIC = "seam.test";
    private static final ServiceEventCodec CODEC = new ServiceEventCodec();
    private static final Pattern ID = Pattern.compile("(?m)^id: (\\S+)$");

    private final GatewayMetrics metrics = new GatewayMetrics(new SimpleMeterRegistry());
    private Hub hub = hub(new ReplayBuffer(64, 1024 * 1024));
    private final EmbeddedChannel channel = new EmbeddedChannel();
    /** Where the instance stands: next offset of partitions 0 and 1. */
    private final long[] next = new long[2];

    private Hub hub(ReplayBuffer ring) {
        return hub(ring, HubTest.settings(100, 10, Duration.ofHours(1)));
    }

    private Hub hub(ReplayBuffer ring, HubSettings settings) {
        return hub(ring, settings, Duration.ofSeconds(30));
    }

    private Hub hub(ReplayBuffer ring, HubSettings settings, Duration checkpointInterval) {
        return new Hub(
                settings,
                new ResumeSettings(ResumePosition.topicCheck(TOPIC), checkpointInterval),
                ring,
                null,
                metrics);
    }

    @BeforeEach
    void instanceStartsAtTheBeginning() {
        hub.bufferStartsAt(next.clone());
        hub.startAt(next.clone(), encode(next));
    }

    @Test
    void aStreamBehindTheInstanceGetsWhatItMissedThenLiveEventsOnce() {
        publish(event("alice", 0), event("bob", 1), event("alice", 1));
        long[] clientAt = {0, 0};

        Writes alice = resume("alice", clientAt);
        publish(event("alice", 0));

        assertThat(notes(alice)).containsExactly("alice-p0-o0", "alice-p1-o1", "alice-p0-o1");
        assertThat(alice.text()).doesNotContain("bob");
        assertThat(metrics.resumes(ResumeSource.MEMORY)).isEqualTo(1);
    }

    @Test
    void aUserWithALongBacklogAmongOthersEventsGetsAllItsOwnInOrderThenLiveEvents() {
        HubSettings small = HubTest.settings(100, 10, Duration.ofHours(1));
        hub = hub( // chunks large enough that the owner index, not the socket, splits the replay into steps
                new ReplayBuffer(4096, 64 * 1024 * 1024),
                new HubSettings(
                        small.heartbeat(),
                        small.tick(),
                        small.retry(),
                        small.retryJitter(),
                        small.slowGrace(),
                        16 * 1024 * 1024,
                        small.maxConnections(),
                        small.maxStreamsPerUser()));
        instanceStartsAtTheBeginning();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 700; i++) { // alice's 700 events take several steps of the owner index
            expected.add("alice-p" + i % 2 + "-o" + next[i % 2]);
            publish(event("alice", i % 2), event("bob", (i + 1) % 2), event("carol", 0));
        }

        Writes alice = resume("alice", new long[] {0, 0});
        publish(event("alice", 1));

        expected.add("alice-p1-o" + (next[1] - 1));
        assertThat(notes(alice)).containsExactlyElementsOf(expected);
        assertThat(alice.text()).doesNotContain("bob-", "carol-");
        assertThat(metrics.resumes(ResumeSource.MEMORY)).isEqualTo(1);
    }

    @Test
    void aStreamAheadOfTheInstanceSkipsWhatItHasAndItsIdsNeverGoBack() {
        publish(event("alice", 0), event("alice", 1)); // instance at {1, 1}
        long[] clientAt = {3, 0}; // another instance sent it partition 0 up to offset 2 already

        Writes alice = resume("alice", clientAt);
        assertThat(notes(alice)).containsExactly("alice-p1-o0");
        assertThat(ids(alice).getLast())
                .as("its id keeps what it had of partition 0")
                .isEqualTo(List.of(3L, 1L));

        publish(event("alice", 0), event("alice", 0)); // offsets 1 and 2 of partition 0: it has them
        assertThat(notes(alice)).containsExactly("alice-p1-o0");

        publish(event("alice", 1)); // instance at {3, 2}: caught up with the client, its ids are the instance's again
        publish(event("alice", 0)); // {4, 2}
        assertThat(notes(alice)).containsExactly("alice-p1-o0", "alice-p1-o1", "alice-p0-o3");
        assertThat(ids(alice)).containsExactly(List.of(3L, 1L), List.of(3L, 2L), List.of(4L, 2L));
    }

    @Test
    void aStreamThatResumesWhereTheInstanceStandsIsSentNoCheckpointRepeatingTheIdItHas() throws Exception {
        checkpointsEveryMillisecond();
        publish(event("bob", 0), event("bob", 1)); // instance at {1, 1}

        Writes alice = resume("alice", next.clone());
        checkpointDue();

        assertThat(checkpoints(alice))
                .as("checkpoints while the instance stands where the client is")
                .isEmpty();
        publish(event("bob", 0)); // the instance moves on: the client's id is behind now
        checkpointDue();
        assertThat(checkpoints(alice)).containsExactly(List.of(2L, 1L));
    }

    @Test
    void aStreamWhoseReplayEndedOnOthersEventsIsSentTheInstancesPositionOnce() throws Exception {
        checkpointsEveryMillisecond();
        publish(event("alice", 0), event("bob", 1)); // instance at {1, 1}; alice's event has id {1, 0}

        Writes alice = resume("alice", new long[] {0, 0});
        checkpointDue();
        checkpointDue();

        assertThat(ids(alice)).containsExactly(List.of(1L, 0L));
        assertThat(checkpoints(alice)).containsExactly(List.of(1L, 1L));
    }

    @Test
    void aPositionTheRingNoLongerHoldsWithoutKafkaGetsAResetThenLiveEvents() {
        for (int i = 0; i < 80; i++) {
            publish(event("bob", i % 2));
        }
        Writes alice = resume("alice", new long[] {0, 0});
        publish(event("alice", 0));

        assertThat(alice.text()).contains("event: reset\ndata: {\"type\":\"reset\",\"reason\":\"unavailable\"}");
        assertThat(notes(alice)).containsExactly("alice-p0-o40");
        assertThat(metrics.resumes(ResumeSource.RESET)).isEqualTo(1);
    }

    @Test
    void aResumingStreamWhoseSocketIsFullWaitsForItWithoutSpinningThenCatchesUp() {
        publish(event("alice", 0), event("alice", 1), event("alice", 0));
        EmbeddedChannel full = HubTest.connection();
        full.write(Unpooled.wrappedBuffer(new byte[2 * HubTest.BUDGET])); // unflushed: the socket takes nothing
        full.runPendingTasks();
        assertThat(full.isWritable()).isFalse();

        Writes alice = resume("alice", new long[] {0, 0}, full);
        assertTimeoutPreemptively(
                Duration.ofSeconds(5), () -> full.runPendingTasks(), "the replay waits, it does not spin");
        assertThat(notes(alice)).isEmpty();

        full.flushOutbound(); // the client read
        full.runPendingTasks();
        assertThat(notes(alice)).containsExactly("alice-p0-o0", "alice-p1-o0", "alice-p0-o1");
    }

    private void checkpointsEveryMillisecond() {
        hub = hub(
                new ReplayBuffer(64, 1024 * 1024),
                HubTest.settings(100, 10, Duration.ofHours(1)),
                Duration.ofMillis(1));
        instanceStartsAtTheBeginning();
    }

    /** Lets a checkpoint interval pass (the shard reads the wall clock) and runs its ticker. */
    private void checkpointDue() throws InterruptedException {
        Thread.sleep(5);
        channel.advanceTimeBy(5, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();
    }

    /** The positions of the id-only frames (checkpoints) written, decoded. */
    private static List<List<Long>> checkpoints(Writes writes) {
        List<List<Long>> ids = new ArrayList<>();
        for (String frame : writes.text().split("\n\n")) {
            String line = frame.strip();
            if (line.startsWith("id: ") && !line.contains("\n")) {
                ids.add(offsets(line.substring(4)));
            }
        }
        return ids;
    }

    private static List<Long> offsets(String id) {
        List<Long> offsets = new ArrayList<>();
        for (long offset : ResumePosition.decode(TOPIC, id).nextOffsets()) {
            offsets.add(offset);
        }
        return offsets;
    }

    private Writes resume(String user, long[] position) {
        return resume(user, position, channel);
    }

    private Writes resume(String user, long[] position, EmbeddedChannel on) {
        assertThat(hub.admit(user)).isEqualTo(Admission.ADMITTED);
        ClientStream stream =
                hub.open(user, false, SseFormat.allTypes(), Long.MAX_VALUE, on, ResumeIntent.from(position));
        Writes writes = new Writes(stream, on);
        on.runPendingTasks();
        return writes;
    }

    /** Consumes the next record of {@code partition}, as the consumer thread would, and delivers it. */
    private void publish(Frame... frames) {
        List<Frame> batch = new ArrayList<>(List.of(frames));
        hub.publish(batch, next.clone(), encode(next));
        channel.runPendingTasks();
    }

    private Frame event(String owner, int partition) {
        long offset = next[partition]++;
        Instant now = Instant.now();
        String marker = owner + "-p" + partition + "-o" + offset;
        ServiceEvent event = ServiceEvent.forNote(
                UUID.randomUUID(),
                Action.CREATED,
                new NoteData(UUID.randomUUID(), marker, "x", owner, 1, now, now),
                owner,
                now);
        long[] after = next.clone();
        return SseFormat.eventFrame(event, CODEC.encode(event), encode(after), partition, offset, after);
    }

    private static String encode(long[] position) {
        return ResumePosition.of(position).encode(TOPIC);
    }

    /** The titles (markers) of the note events written, in order. */
    private static List<String> notes(Writes writes) {
        return Writes.noteTitles(writes.text());
    }

    /** The ids of the note events written, decoded. */
    private static List<List<Long>> ids(Writes writes) {
        List<List<Long>> ids = new ArrayList<>();
        for (String frame : writes.text().split("\n\n")) {
            Matcher id = ID.matcher(frame);
            if (frame.contains("event: notes:") && id.find()) {
                ids.add(offsets(id.group(1)));
            }
        }
        return ids;
    }
}
