package dev.herald.notes.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.herald.contracts.ServiceEventCodec;
import dev.herald.notes.NotesApp;
import dev.herald.notes.TopicReader;
import dev.herald.notes.note.Caller;
import dev.herald.notes.note.IfMatch;
import dev.herald.notes.note.NoteInput;
import dev.herald.notes.note.NoteService;
import dev.herald.testsupport.HeraldKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;

/**
 * Relays on one database, as service instances would run them: one leads, the others stand by. When the
 * leader stops or its database session dies in the middle of a Kafka transaction, with a backlog and writes
 * going on, another takes over within seconds and every event arrives, each note's in order (a repeat carries
 * the same event id). A stale leader that wakes after a takeover is fenced: nothing of its open transaction
 * reaches a {@code read_committed} reader.
 */
class RelayFailoverIT {

    static NotesApp app;
    static final ServiceEventCodec CODEC = new ServiceEventCodec();
    static final Caller ALICE = new Caller("alice", Set.of("user"));

    @BeforeAll
    static void start() {
        app = NotesApp.start("failover", Map.of("herald.outbox.relay.enabled", "false"));
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void standbyTakesOverWhenTheLeaderStopsOrItsSessionDiesMidTransactionAndEveryEventArrivesInOrderPerNote()
            throws Exception {
        Relay a = relay("a");
        Hold holdA = Hold.on(a.relay);
        a.relay.start();
        await().atMost(Duration.ofSeconds(20)).until(a.relay::isLeader);
        Relay b = relay("b");
        Hold holdB = Hold.on(b.relay);
        b.relay.start();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> !b.relay.isLeader());

        NoteService notes = app.bean(NoteService.class);
        List<String> tracked = IntStream.range(0, 20)
                .mapToObj(i -> notes.create(new NoteInput("tracked " + i, "v0"), ALICE)
                        .id()
                        .toString())
                .toList();
        AtomicBoolean keepWriting = new AtomicBoolean(true);
        AtomicInteger written = new AtomicInteger();
        List<String> created = new CopyOnWriteArrayList<>();
        // each round creates a note and updates one of the tracked notes, until told to stop
        CompletableFuture<long[]> writes = CompletableFuture.supplyAsync(() -> {
            long[] updates = new long[tracked.size()];
            for (int i = 0; keepWriting.get(); i++) {
                created.add(notes.create(new NoteInput("note " + i, "x".repeat(200)), ALICE)
                        .id()
                        .toString());
                int note = i % tracked.size();
                notes.update(
                        tracked.get(note), new NoteInput("tracked", "v" + (updates[note] + 1)), IfMatch.ANY, ALICE);
                updates[note]++;
                written.incrementAndGet();
            }
            return updates;
        });
        Relay c = relay("c");
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> a.published() >= 300);
            holdA.arm();
            holdA.awaitPaused();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> app.count("outbox") > holdA.batch().size());
            assertThat(app.count("outbox")).as("backlog when the leader stops").isPositive();
            int writtenAtStop = written.get();
            long stopped = System.nanoTime();
            a.relay.stop(); // in the middle of a Kafka transaction
            await().atMost(Duration.ofSeconds(10)).until(b.relay::isLeader);
            assertThat(Duration.ofNanos(System.nanoTime() - stopped))
                    .as("takeover after a stop")
                    .isLessThan(Duration.ofSeconds(5));
            await().atMost(Duration.ofSeconds(30)).until(() -> written.get() >= writtenAtStop + 200);

            c.relay.start();
            double publishedByB = b.published();
            await().atMost(Duration.ofSeconds(30)).until(() -> b.published() >= publishedByB + 300);
            holdB.arm();
            holdB.awaitPaused();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> app.count("outbox") > holdB.batch().size());
            assertThat(app.count("outbox"))
                    .as("backlog when the leader's session dies")
                    .isPositive();
            int writtenAtKill = written.get();
            long killed = System.nanoTime();
            app.jdbc()
                    .queryForList(
                            "select pg_terminate_backend(pid) from pg_stat_activity where application_name = ?",
                            "herald-outbox-relay-b");
            await().atMost(Duration.ofSeconds(10)).until(c.relay::isLeader);
            assertThat(Duration.ofNanos(System.nanoTime() - killed))
                    .as("takeover after a session kill")
                    .isLessThan(Duration.ofSeconds(5));
            holdB.release();
            await().atMost(Duration.ofSeconds(30)).until(() -> written.get() >= writtenAtKill + 200);
        } finally {
            keepWriting.set(false);
            holdA.release();
            holdB.release();
        }
        long[] updates = writes.get();

        try (TopicReader reader = new TopicReader(HeraldKafka.bootstrapServers(), app.topic())) {
            await().atMost(Duration.ofSeconds(60))
                    .until(reader::poll, all -> keys(all).containsAll(created));
            await().atMost(Duration.ofSeconds(20)).until(() -> app.count("outbox") == 0);
            Map<String, List<Long>> versions = PerNoteOrder.firstOccurrenceVersions(reader.readToEnd());
            for (int i = 0; i < tracked.size(); i++) {
                assertThat(versions.get(tracked.get(i)))
                        .as("tracked note %s", i)
                        .isEqualTo(PerNoteOrder.upTo(updates[i]));
            }
            created.forEach(id -> assertThat(versions.get(id)).as("note %s", id).containsExactly(0L));
        }
        assertThat(a.published() + b.published() + c.published()).isGreaterThanOrEqualTo(created.size());
        b.relay.stop();
        c.relay.stop();
    }

    @Test
    void aStaleLeaderReleasedAfterATakeoverIsFencedAndNoReaderSeesItsAbortedTransaction() throws Exception {
        Relay a = relay("zombie-a");
        Relay b = relay("successor-b");
        Hold hold = Hold.on(a.relay);
        ListAppender<ILoggingEvent> relayLog = new ListAppender<>();
        relayLog.start();
        Logger logger = (Logger) LoggerFactory.getLogger(OutboxRelay.class);
        logger.addAppender(relayLog);
        try {
            a.relay.start();
            await().atMost(Duration.ofSeconds(20)).until(a.relay::isLeader);
            b.relay.start();
            NoteService notes = app.bean(NoteService.class);
            List<String> ids = IntStream.range(0, 20)
                    .mapToObj(i -> notes.create(new NoteInput("fenced " + i, "v0"), ALICE)
                            .id()
                            .toString())
                    .toList();
            await().atMost(Duration.ofSeconds(30)).until(() -> app.count("outbox") == 0);

            hold.arm();
            ids.forEach(id -> notes.update(id, new NoteInput("fenced", "v1"), IfMatch.ANY, ALICE));
            hold.awaitPaused(); // A stands still with its Kafka transaction open, its records sent
            Set<UUID> inAbortedTransaction =
                    hold.batch().stream().map(OutboxRow::eventId).collect(Collectors.toSet());
            try (TopicReader log = TopicReader.uncommitted(HeraldKafka.bootstrapServers(), app.topic())) {
                await().atMost(Duration.ofSeconds(20))
                        .until(log::poll, all -> eventIds(all).containsAll(inAbortedTransaction));
            }

            app.jdbc()
                    .queryForList(
                            "select pg_terminate_backend(pid) from pg_stat_activity where application_name = ?",
                            "herald-outbox-relay-zombie-a");
            await().atMost(Duration.ofSeconds(10)).until(b.relay::isLeader);
            await().atMost(Duration.ofSeconds(30)).until(() -> app.count("outbox") == 0);
            assertThat(a.relay.isLeader())
                    .as("A, still paused, believes it leads")
                    .isTrue();
            double publishedByA = a.published();

            hold.release();
            await().atMost(Duration.ofSeconds(20)).until(() -> !a.relay.isLeader());
            String after = notes.create(new NoteInput("after the zombie woke", ""), ALICE)
                    .id()
                    .toString();

            try (TopicReader reader = new TopicReader(HeraldKafka.bootstrapServers(), app.topic())) {
                List<String> all = new ArrayList<>(ids);
                all.add(after);
                List<ConsumerRecord<String, byte[]>> records = await().atMost(Duration.ofSeconds(30))
                        .until(
                                () -> of(reader.poll(), all),
                                read -> keys(read).containsAll(all) && read.size() >= 2 * ids.size() + 1);
                assertThat(eventIdList(records))
                        .as("event ids read (read_committed)")
                        .doesNotHaveDuplicates();
                Map<String, List<Long>> versions = versionsByNote(records);
                ids.forEach(id -> assertThat(versions.get(id)).as(id).containsExactly(0L, 1L));
                assertThat(versions.get(after)).containsExactly(0L);
            }
            assertThat(relayLog.list)
                    .as("A's commit met the fence")
                    .anySatisfy(event -> assertThat(event.getFormattedMessage())
                            .isEqualTo("outbox relay zombie-a was fenced by another leader; stepping down"));
            assertThat(a.published()).as("events A published after it woke").isEqualTo(publishedByA);
            assertThat(b.relay.isLeader()).isTrue();
        } finally {
            hold.release();
            logger.detachAppender(relayLog);
            a.relay.stop();
            b.relay.stop();
        }
    }

    private static List<UUID> eventIdList(Collection<ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(r -> CODEC.decode(r.value()).id()).toList();
    }

    private static Set<UUID> eventIds(Collection<ConsumerRecord<String, byte[]>> records) {
        return Set.copyOf(eventIdList(records));
    }

    /** Each note's event versions in the order a consumer reads them. */
    private static Map<String, List<Long>> versionsByNote(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream()
                .collect(Collectors.groupingBy(
                        ConsumerRecord::key,
                        Collectors.mapping(r -> CODEC.decode(r.value()).data().version(), Collectors.toList())));
    }

    /** The records of the given notes only (the topic also holds the other test's events). */
    private static List<ConsumerRecord<String, byte[]>> of(
            List<ConsumerRecord<String, byte[]>> records, Collection<String> ids) {
        Set<String> wanted = Set.copyOf(ids);
        return records.stream().filter(r -> wanted.contains(r.key())).toList();
    }

    /** Stops a relay's next batch inside its open Kafka transaction, records sent, until released or the relay stops. */
    private static final class Hold implements Consumer<List<OutboxRow>> {

        private final AtomicBoolean armed = new AtomicBoolean();
        private final CountDownLatch paused = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);
        private volatile List<OutboxRow> batch = List.of();

        static Hold on(OutboxRelay relay) {
            Hold hold = new Hold();
            relay.beforeCommit(hold);
            return hold;
        }

        @Override
        public void accept(List<OutboxRow> rows) {
            if (armed.compareAndSet(true, false)) {
                batch = rows;
                paused.countDown();
                try {
                    released.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        void arm() {
            armed.set(true);
        }

        void awaitPaused() throws InterruptedException {
            assertThat(paused.await(30, TimeUnit.SECONDS))
                    .as("the relay paused inside its transaction")
                    .isTrue();
        }

        List<OutboxRow> batch() {
            return batch;
        }

        void release() {
            released.countDown();
        }
    }

    private static Set<String> keys(Collection<ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(ConsumerRecord::key).collect(Collectors.toSet());
    }

    private static Relay relay(String name) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        OutboxRelay relay = OutboxConfiguration.relay(
                name,
                app.bean(DataSourceProperties.class),
                app.bean(KafkaProperties.class),
                app.bean(OutboxProperties.class),
                app.bean(RelayWakeUp.class),
                new RelayMetrics(registry));
        return new Relay(relay, registry);
    }

    private record Relay(OutboxRelay relay, SimpleMeterRegistry registry) {
        double published() {
            return registry.counter("herald.outbox.published").count();
        }
    }
}
