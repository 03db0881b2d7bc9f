package dev.herald.gateway.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Action;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The fan-out core on Netty's embedded channels (one channel, one event loop, one shard each): audience
 * index, batching, flow control by the socket's writability, limits.
 */
class HubTest {

    static final int BUDGET = 4 * 1024;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final GatewayMetrics metrics = new GatewayMetrics(registry);
    private ReplayBuffer ring = new ReplayBuffer(4096, 64 * 1024 * 1024);
    private Hub hub = hub(Duration.ofHours(1));

    private Hub hub(Duration slowGrace) {
        return new Hub(settings(3, 2, slowGrace), new ResumeSettings(0, Duration.ofSeconds(30)), ring, null, metrics);
    }

    /** Settings of these tests: a small socket budget, a tick every millisecond. */
    static HubSettings settings(int maxConnections, int maxStreamsPerUser, Duration slowGrace) {
        return new HubSettings(
                Duration.ofSeconds(15),
                Duration.ofMillis(1),
                Duration.ofSeconds(3),
                Duration.ZERO,
                slowGrace,
                64 * 1024,
                maxConnections,
                maxStreamsPerUser);
    }

    /** A connection whose socket budget is {@link #BUDGET}, as the server sets on every connection. */
    static EmbeddedChannel connection() {
        EmbeddedChannel connection = new EmbeddedChannel();
        connection.config().setWriteBufferWaterMark(new WriteBufferWaterMark(BUDGET / 2, BUDGET));
        return connection;
    }

    @Test
    void deliversToTheOwnersAndAdminsStreamsOnly() {
        Writes alice = open("alice", false, Long.MAX_VALUE);
        Writes bob = open("bob", false, Long.MAX_VALUE);
        Writes admin = open("root", true, Long.MAX_VALUE);

        hub.publish(List.of(frame("alice", "A1")), new long[0], "P1");

        assertThat(alice.text()).contains("A1");
        assertThat(admin.text()).contains("A1");
        assertThat(bob.text()).doesNotContain("A1");
    }

    @Test
    void anEventPublishedWhileTheResponseHeadersAreOnTheirWayReachesTheStreamAfterItsConnectedFrame() {
        assertThat(hub.admit("alice")).isEqualTo(Admission.ADMITTED);
        EmbeddedChannel socket = connection();
        ClientStream stream =
                hub.open("alice", false, SseFormat.allTypes(), Long.MAX_VALUE, socket, ResumeIntent.fresh());
        socket.runPendingTasks();
        hub.publish(List.of(frame("alice", "A1")), new long[0], "P1"); // a client with the headers may publish
        socket.runPendingTasks(); // the event loop fans it out before the header write's completion reaches the stream

        Writes alice = new Writes(stream, socket); // the headers went out: the stream starts writing

        String text = alice.text();
        assertThat(text).contains("data: {\"type\":\"connected\"}").contains("A1");
        assertThat(text.indexOf("connected")).isLessThan(text.indexOf("A1"));
    }

    @Test
    void framesThatArriveTogetherLeaveInOneWrite() {
        Writes alice = open("alice", false, Long.MAX_VALUE);
        int before = alice.writes().size();

        hub.publish(List.of(frame("alice", "A1"), frame("alice", "A2"), frame("alice", "A3")), new long[0], "P3");

        assertThat(alice.writes()).hasSize(before + 1);
        assertThat(alice.writes().getLast()).contains("A1").contains("A2").contains("A3");
    }

    @Test
    void aBurstWaitsForABusySocketAndLeavesWhenItTakesDataAgain() {
        EmbeddedChannel busy = connection();
        Writes reader = open("alice", false, Long.MAX_VALUE, SseFormat.allTypes(), busy);
        fill(busy);
        assertThat(busy.isWritable()).isFalse();

        List<Frame> burst = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            burst.add(frame("alice", "B" + i + "."));
        }
        int writesBefore = reader.writes().size();
        hub.publish(burst, new long[0], "P");
        busy.runPendingTasks();
        assertThat(reader.writes())
                .as("nothing is handed to a socket over its budget")
                .hasSize(writesBefore);

        busy.flushOutbound(); // the client read: Netty's buffer empties, the channel is writable again
        busy.runPendingTasks();

        assertThat(reader.stream.isOpen()).isTrue();
        assertThat(reader.text()).contains("B0.", "B500.", "B999.");
        assertThat(metrics.disconnects(DisconnectReason.SLOW)).isZero();
    }

    @Test
    void aSocketThatTakesNothingPastTheGraceIsClosedAsSlowAndKeepsItsPlacesUntilItsResponseEnds() {
        hub = hub(Duration.ZERO);
        EmbeddedChannel stalled = connection();
        Writes slow = open("alice", false, Long.MAX_VALUE, SseFormat.allTypes(), stalled);
        Writes reading = open("alice", false, Long.MAX_VALUE);
        fill(stalled);

        hub.publish(List.of(frame("alice", "1")), new long[0], "P1");
        stalled.runPendingTasks();
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            stalled.advanceTimeBy(10, TimeUnit.MILLISECONDS);
            stalled.runScheduledPendingTasks();
            return !slow.stream.isOpen();
        });

        assertThat(metrics.disconnects(DisconnectReason.SLOW)).isEqualTo(1);
        assertThat(reading.text()).contains("1");
        assertThat(hub.connections())
                .as("places are held until the response is over")
                .isEqualTo(2);
        slow.stream.ended();
        stalled.runPendingTasks();
        assertThat(hub.connections()).isEqualTo(1);
        assertThat(hub.indexedStreams()).isEqualTo(1);
    }

    @Test
    void aStreamFurtherBehindThanTheReplayBufferHoldsIsClosedAsSlow() {
        ring = new ReplayBuffer(64, 1024 * 1024);
        hub = hub(Duration.ofHours(1));
        EmbeddedChannel stalled = connection();
        Writes slow = open("alice", false, Long.MAX_VALUE, SseFormat.allTypes(), stalled);
        fill(stalled);

        for (int i = 0; i < 100; i++) { // the ring holds 64: the stream waits for the first of them
            hub.publish(List.of(frame("alice", "E" + i)), new long[0], "P" + i);
            stalled.runPendingTasks();
        }

        assertThat(slow.stream.isOpen()).isFalse();
        assertThat(metrics.disconnects(DisconnectReason.SLOW)).isEqualTo(1);
    }

    @Test
    void limitsStreamsPerUserAndPerInstanceAndGivesPlacesBack() {
        assertThat(hub.admit("alice")).isEqualTo(Admission.ADMITTED);
        assertThat(hub.admit("alice")).isEqualTo(Admission.ADMITTED);
        assertThat(hub.admit("alice")).isEqualTo(Admission.USER_LIMIT);
        assertThat(hub.admit("bob")).isEqualTo(Admission.ADMITTED);
        assertThat(hub.admit("carol")).isEqualTo(Admission.INSTANCE_LIMIT);

        hub.cancelAdmission("bob");

        assertThat(hub.admit("carol")).isEqualTo(Admission.ADMITTED);
        assertThat(hub.connections()).isEqualTo(3);
    }

    @Test
    void placesTakenAndGivenBackConcurrentlyNeverExceedTheLimitsAndAllComeBack() throws Exception {
        hub = new Hub(
                settings(1_000, 2, Duration.ofHours(1)),
                new ResumeSettings(0, Duration.ofSeconds(30)),
                ring,
                null,
                metrics);
        AtomicInteger held = new AtomicInteger();
        AtomicInteger mostHeld = new AtomicInteger();
        try (var threads = Executors.newFixedThreadPool(8)) {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                work.add(threads.submit(() -> {
                    for (int i = 0; i < 20_000; i++) {
                        if (hub.admit("alice") == Admission.ADMITTED) {
                            mostHeld.accumulateAndGet(held.incrementAndGet(), Math::max);
                            held.decrementAndGet();
                            hub.cancelAdmission("alice");
                        }
                    }
                }));
            }
            for (var done : work) {
                done.get(60, TimeUnit.SECONDS);
            }
        }

        assertThat(mostHeld.get()).as("alice never held more than her 2 places").isLessThanOrEqualTo(2);
        assertThat(hub.connections()).as("every place came back").isZero();
        assertThat(List.of(hub.admit("alice"), hub.admit("alice"), hub.admit("alice")))
                .as("her count is back at zero: neither leaked nor lost")
                .containsExactly(Admission.ADMITTED, Admission.ADMITTED, Admission.USER_LIMIT);
    }

    @Test
    void filtersByEventType() {
        Writes deletesOnly = open("alice", false, Long.MAX_VALUE, SseFormat.typeBit(Action.DELETED));

        hub.publish(List.of(frame("alice", "CREATED-1")), new long[0], "P1");

        assertThat(deletesOnly.text()).doesNotContain("CREATED-1");
        assertThat(registry.counter("herald.gateway.filtered").count()).isEqualTo(1);
    }

    private Writes open(String user, boolean admin, long demand) {
        return open(user, admin, demand, SseFormat.allTypes());
    }

    private Writes open(String user, boolean admin, long demand, int types) {
        return open(user, admin, demand, types, connection());
    }

    private Writes open(String user, boolean admin, long demand, int types, EmbeddedChannel on) {
        assertThat(hub.admit(user)).isEqualTo(Admission.ADMITTED);
        ClientStream stream = hub.open(user, admin, types, Long.MAX_VALUE, on, ResumeIntent.fresh());
        Writes writes = new Writes(stream, on);
        on.runPendingTasks();
        return writes;
    }

    /** Writes past the channel's budget without flushing: a socket that does not take data. */
    private static void fill(EmbeddedChannel socket) {
        socket.write(Unpooled.wrappedBuffer(new byte[BUDGET * 2]));
        socket.runPendingTasks();
    }

    private static Frame frame(String owner, String marker) {
        byte[] bytes = ("event: notes:created\ndata: " + marker + "\n\n").getBytes(StandardCharsets.UTF_8);
        return Frame.event(bytes, owner, SseFormat.typeBit(Action.CREATED), 0, -1, -1, new long[0]);
    }
}
