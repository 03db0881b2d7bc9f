package dev.herald.gateway.fanout;

import dev.herald.contracts.Action;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The fan-out core on Netty's embedded channel: audience index, batching, bounds, limits. */
class HubTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final GatewayMetrics metrics = new GatewayMetrics(registry);
    private final Hub hub = new Hub(new HubSettings(Duration.ofSeconds(15), Duration.ofSeconds(1), Duration.ofSeconds(3),
            new QueueLimits(4, 1024 * 1024), 3, 2), metrics);
    private final EmbeddedChannel channel = new EmbeddedChannel();

    @Test
    void deliversToTheOwnersAndAdminsStreamsOnly() {
        Writes alice = open("alice", false, Long.MAX_VALUE);
        Writes bob = open("bob", false, Long.MAX_VALUE);
        Writes admin = open("root", true, Long.MAX_VALUE);

        hub.publish(List.of(frame("alice", "A1")), "P1");
        channel.runPendingTasks();

        assertThat(alice.text()).contains("A1");
        assertThat(admin.text()).contains("A1");
        assertThat(bob.text()).doesNotContain("A1");
    }

    @Test
    void framesThatArriveTogetherLeaveInOneWrite() {
        Writes alice = open("alice", false, Long.MAX_VALUE);
        int before = alice.writes.size();

        hub.publish(List.of(frame("alice", "A1"), frame("alice", "A2"), frame("alice", "A3")), "P3");
        channel.runPendingTasks();

        assertThat(alice.writes).hasSize(before + 1);
        assertThat(alice.writes.getLast()).contains("A1").contains("A2").contains("A3");
    }

    @Test
    void aStreamWhoseQueueOverflowsIsClosedAsSlowAndReleased() {
        Writes stalled = open("alice", false, 0); // requests nothing: its frames stay queued
        Writes reading = open("alice", false, Long.MAX_VALUE);

        hub.publish(List.of(frame("alice", "1"), frame("alice", "2"), frame("alice", "3"), frame("alice", "4")), "P4");
        channel.runPendingTasks();

        assertThat(metrics.disconnects(DisconnectReason.SLOW)).isEqualTo(1);
        assertThat(stalled.subscriber.isOpen()).isFalse();
        assertThat(reading.text()).contains("1", "2", "3", "4");
        assertThat(hub.connections()).isEqualTo(1);
        assertThat(hub.indexedStreams()).isEqualTo(1);
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
    void filtersByEventType() {
        Writes deletesOnly = open("alice", false, Long.MAX_VALUE, SseFormat.typeBit(Action.DELETED));

        hub.publish(List.of(frame("alice", "CREATED-1")), "P1");
        channel.runPendingTasks();

        assertThat(deletesOnly.text()).doesNotContain("CREATED-1");
        assertThat(registry.counter("herald.gateway.filtered").count()).isEqualTo(1);
    }

    private Writes open(String user, boolean admin, long demand) {
        return open(user, admin, demand, SseFormat.allTypes());
    }

    private Writes open(String user, boolean admin, long demand, int types) {
        assertThat(hub.admit(user)).isEqualTo(Admission.ADMITTED);
        Subscriber subscriber = hub.open(user, admin, types, Long.MAX_VALUE, channel);
        Writes writes = new Writes(subscriber, demand);
        subscriber.subscribe(writes);
        channel.runPendingTasks();
        return writes;
    }

    private static Frame frame(String owner, String marker) {
        byte[] bytes = ("event: notes:created\ndata: " + marker + "\n\n").getBytes(StandardCharsets.UTF_8);
        return Frame.event(bytes, owner, SseFormat.typeBit(Action.CREATED), 0, -1, -1, new long[0]);
    }
}
