package dev.herald.gateway.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Action;
import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.ServiceEventCodec;
import dev.herald.gateway.TestEvents;
import dev.herald.gateway.auth.ClaimsViewers;
import dev.herald.gateway.auth.Viewer;
import dev.herald.gateway.kafka.KafkaReplayer;
import dev.herald.gateway.resume.ResumePosition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The read rule as the gateway really applies it, on Netty's embedded channel: viewers are made from token
 * claims by the gateway's own {@code Viewers} (a plain {@code roles} list, Keycloak's
 * {@code realm_access.roles}, an admin role in a claim that does not count), each opens streams with
 * several {@code ?types=} masks, and the same events reach them live, replayed from memory and replayed
 * from Kafka (the real {@link KafkaReplayer} over a consumer that serves the topic's records). Who gets what
 * is this test's own table, in order: no event twice, none missing, none of another user's.
 */
class ReadMatrixTest {

    private static final String TOPIC = "matrix.test";
    private static final ServiceEventCodec CODEC = new ServiceEventCodec();
    private static final Set<String> EVERYONE = Set.of("*");

    /** A stream's viewer as made from its token, and whose events it may see (EVERYONE: all). */
    private record Reader(String name, Viewer viewer, Set<String> owners) {}

    private static final List<Reader> READERS = List.of(
            new Reader(
                    "alice, roles [user]",
                    ClaimsViewers.from("alice", Map.of("roles", List.of("user"))),
                    Set.of("alice")),
            new Reader(
                    "alice, realm_access.roles [user]",
                    ClaimsViewers.from("alice", Map.of("realm_access", Map.of("roles", List.of("user")))),
                    Set.of("alice")),
            new Reader("bob, roles [user]", ClaimsViewers.from("bob", Map.of("roles", List.of("user"))), Set.of("bob")),
            new Reader("carol, no roles", ClaimsViewers.from("carol", Map.of()), Set.of()),
            new Reader("root, roles [admin]", ClaimsViewers.from("root", Map.of("roles", List.of("admin"))), EVERYONE),
            new Reader(
                    "kc-root, realm_access.roles [user, admin]",
                    ClaimsViewers.from("kc-root", Map.of("realm_access", Map.of("roles", List.of("user", "admin")))),
                    EVERYONE),
            new Reader(
                    "dave, admin only where roles are not read",
                    ClaimsViewers.from(
                            "dave",
                            Map.of(
                                    "scope", "admin",
                                    "roles", "admin",
                                    "resource_access", Map.of("herald", Map.of("roles", List.of("admin"))))),
                    Set.of()));

    /** {@code ?types=}: none (every type), one type, two types. */
    private static final Map<String, Integer> MASKS = masks();

    /** The topic, in order: actors differ from owners, and one event is the system's (no user). */
    private static final List<ServiceEvent> EVENTS = List.of(
            TestEvents.note("alice", "alice", Action.CREATED, "alice writes"),
            TestEvents.note("alice", "root", Action.UPDATED, "an admin edits alice's note"),
            TestEvents.note("bob", "bob", Action.DELETED, "bob deletes"),
            TestEvents.note("alice", null, Action.DELETED, "the system deletes alice's note"),
            TestEvents.note("root", "root", Action.CREATED, "root writes"),
            TestEvents.note("bob", "root", Action.CREATED, "an admin writes for bob"));

    enum Path {
        LIVE,
        MEMORY,
        KAFKA
    }

    private final GatewayMetrics metrics = new GatewayMetrics(new SimpleMeterRegistry());
    /** Each stream's connection (each its own embedded event loop, so its own shard). */
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    /** What Kafka readers hand to streams, run on the test thread: the embedded loop is single-threaded. */
    private final Queue<Runnable> fromReaders = new ConcurrentLinkedQueue<>();

    private KafkaReplayer kafka;

    @AfterEach
    void closeReaders() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void eachStreamGetsExactlyTheEventsItsViewerMayReadOfItsTypes(Path path) {
        Hub hub = hub(path);
        Map<String, Writes> streams = new LinkedHashMap<>();
        if (path == Path.LIVE) {
            open(hub, streams, ResumeIntent.fresh());
            publishAll(hub);
        } else {
            publishAll(hub);
            open(hub, streams, ResumeIntent.from(new long[] {0}));
            ResumeSource source = path == Path.MEMORY ? ResumeSource.MEMORY : ResumeSource.KAFKA;
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                runLoop();
                return metrics.resumes(source) == streams.size();
            });
        }

        for (Reader reader : READERS) {
            for (Map.Entry<String, Integer> mask : MASKS.entrySet()) {
                String stream = reader.name() + " " + mask.getKey();
                assertThat(received(streams.get(stream)))
                        .as("%s via %s", stream, path)
                        .containsExactlyElementsOf(expected(reader, mask.getValue()));
            }
        }
        assertThat(metrics.resumes(ResumeSource.RESET))
                .as("no stream was reset")
                .isZero();
    }

    private Hub hub(Path path) {
        ReplayBuffer ring = path == Path.KAFKA
                ? new ReplayBuffer(16, 1) // holds the newest event only: a resume from the start needs Kafka
                : new ReplayBuffer(4096, 64 * 1024 * 1024);
        Replayer replayer = null;
        if (path == Path.KAFKA) {
            kafka = new KafkaReplayer(
                    () -> new TopicConsumer(records()),
                    TOPIC,
                    2,
                    64,
                    new KafkaReplayer.ChunkBounds(1_000, Duration.ofSeconds(5)));
            replayer = target -> kafka.submit(new OnTestThread(target));
        }
        Hub hub = new Hub(
                HubTest.settings(100, 10, Duration.ofHours(1)),
                new ResumeSettings(ResumePosition.topicCheck(TOPIC), Duration.ofHours(1)),
                ring,
                replayer,
                metrics);
        hub.bufferStartsAt(new long[] {0});
        hub.startAt(new long[] {0}, encode(0));
        return hub;
    }

    private void open(Hub hub, Map<String, Writes> streams, ResumeIntent intent) {
        for (Reader reader : READERS) {
            for (Map.Entry<String, Integer> mask : MASKS.entrySet()) {
                Viewer viewer = reader.viewer();
                assertThat(hub.admit(viewer.userId())).isEqualTo(Admission.ADMITTED);
                EmbeddedChannel channel = new EmbeddedChannel();
                channels.add(channel);
                ClientStream stream = hub.open(
                        viewer.userId(),
                        viewer.admin(),
                        mask.getValue(),
                        viewer.expiresAt().toEpochMilli(),
                        channel,
                        intent);
                Writes writes = new Writes(stream, channel);
                streams.put(reader.name() + " " + mask.getKey(), writes);
            }
        }
        channels.forEach(EmbeddedChannel::runPendingTasks);
    }

    /** Each event as the consumer hands it over: its own batch, its frame's id the position after it. */
    private void publishAll(Hub hub) {
        for (int offset = 0; offset < EVENTS.size(); offset++) {
            ServiceEvent event = EVENTS.get(offset);
            long[] after = {offset + 1};
            Frame frame = SseFormat.eventFrame(event, CODEC.encode(event), encode(offset + 1), 0, offset, after);
            hub.publish(List.of(frame), after.clone(), encode(offset + 1));
            channels.forEach(EmbeddedChannel::runPendingTasks);
        }
    }

    /** Runs what Kafka readers handed over and what the loop has due, moving its clock past retry waits. */
    private void runLoop() {
        for (Runnable task = fromReaders.poll(); task != null; task = fromReaders.poll()) {
            task.run();
        }
        for (EmbeddedChannel channel : channels) {
            channel.advanceTimeBy(100, TimeUnit.MILLISECONDS);
            channel.runPendingTasks();
        }
    }

    private static List<UUID> expected(Reader reader, int mask) {
        return EVENTS.stream()
                .filter(event -> reader.owners() == EVERYONE
                        || reader.owners().contains(event.data().createdBy()))
                .filter(event -> (mask & SseFormat.typeBit(event.action())) != 0)
                .map(ServiceEvent::id)
                .toList();
    }

    /** The event ids of the note frames written to a stream, in order. */
    private static List<UUID> received(Writes writes) {
        List<UUID> ids = new ArrayList<>();
        for (String frame : writes.text().split("\n\n")) {
            if (frame.contains("\nevent: notes:")) {
                String data = frame.substring(frame.indexOf("\ndata: ") + 7);
                ids.add(CODEC.decode(data.getBytes(StandardCharsets.UTF_8)).id());
            }
        }
        return ids;
    }

    private static Map<String, Integer> masks() {
        Map<String, Integer> masks = new LinkedHashMap<>();
        masks.put("(all types)", SseFormat.allTypes());
        masks.put("(notes:deleted)", SseFormat.typeBit(Action.DELETED));
        masks.put(
                "(notes:created,notes:updated)", SseFormat.typeBit(Action.CREATED) | SseFormat.typeBit(Action.UPDATED));
        return masks;
    }

    private static String encode(long next) {
        return ResumePosition.of(new long[] {next}).encode(TOPIC);
    }

    /** The topic's records as the relay writes them (key, value, {@code ce_type} and {@code ce_owner} headers). */
    private static List<ConsumerRecord<byte[], byte[]>> records() {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int offset = 0; offset < EVENTS.size(); offset++) {
            ProducerRecord<byte[], byte[]> sent = TestEvents.record(TOPIC, EVENTS.get(offset));
            records.add(new ConsumerRecord<>(
                    TOPIC,
                    0,
                    offset,
                    0L,
                    TimestampType.CREATE_TIME,
                    sent.key().length,
                    sent.value().length,
                    sent.key(),
                    sent.value(),
                    sent.headers(),
                    Optional.empty()));
        }
        return records;
    }

    /** One partition holding {@code records}; they become readable once the replayer assigns it. */
    private static final class TopicConsumer extends MockConsumer<byte[], byte[]> {
        private final List<ConsumerRecord<byte[], byte[]>> records;

        TopicConsumer(List<ConsumerRecord<byte[], byte[]>> records) {
            super("earliest");
            this.records = records;
            TopicPartition partition = new TopicPartition(TOPIC, 0);
            updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, null, null, null)));
            updateBeginningOffsets(Map.of(partition, 0L));
            updateEndOffsets(Map.of(partition, (long) records.size()));
        }

        @Override
        public synchronized void assign(Collection<TopicPartition> partitions) {
            super.assign(partitions);
            records.forEach(this::addRecord);
        }
    }

    /** A replay target whose results are applied on the test thread (which runs the embedded loop). */
    private final class OnTestThread implements ReplayTarget {
        private final ReplayTarget target;

        OnTestThread(ReplayTarget target) {
            this.target = target;
        }

        @Override
        public long[] from() {
            return target.from();
        }

        @Override
        public long roomBytes() {
            return target.roomBytes();
        }

        @Override
        public String userId() {
            return target.userId();
        }

        @Override
        public boolean isOpen() {
            return target.isOpen();
        }

        @Override
        public boolean wants(String owner, int typeBit) {
            return target.wants(owner, typeBit);
        }

        @Override
        public String encode(long[] position) {
            return target.encode(position);
        }

        @Override
        public void deliver(List<Frame> frames, long[] position) {
            fromReaders.add(() -> target.deliver(frames, position));
        }

        @Override
        public void reset(ResetReason reason) {
            fromReaders.add(() -> target.reset(reason));
        }

        @Override
        public void failed() {
            fromReaders.add(target::failed);
        }
    }
}
