package dev.herald.notes.outbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two relays on one database, as two service instances would run them: one leads, the other stands
 * by; when the leader stops or its database session dies mid-stream, the other takes over within
 * seconds and every event arrives (a repeat carries the same event id).
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
    void standbyTakesOverWhenTheLeaderStopsOrItsSessionDiesAndEveryEventArrives() throws Exception {
        Relay a = relay("a");
        a.relay.start();
        await().atMost(Duration.ofSeconds(20)).until(a.relay::isLeader);
        Relay b = relay("b");
        b.relay.start();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> !b.relay.isLeader());

        NoteService notes = app.bean(NoteService.class);
        CompletableFuture<List<String>> writes = CompletableFuture.supplyAsync(() -> java.util.stream.IntStream.range(0, 3000)
                .mapToObj(i -> notes.create(new NoteInput("note " + i, "x".repeat(200)), ALICE).id().toString()).toList());

        await().atMost(Duration.ofSeconds(30)).until(() -> a.published() >= 300);
        long stopped = System.nanoTime();
        a.relay.stop();
        await().atMost(Duration.ofSeconds(10)).until(b.relay::isLeader);
        Duration takeover = Duration.ofNanos(System.nanoTime() - stopped);
        assertThat(takeover).isLessThan(Duration.ofSeconds(5));
        assertThat(writes.isDone()).as("the leader stopped mid-stream").isFalse();

        Relay c = relay("c");
        c.relay.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> b.published() >= 300);
        long killed = System.nanoTime();
        app.jdbc().queryForList("select pg_terminate_backend(pid) from pg_stat_activity where application_name = ?",
                "herald-outbox-relay-b");
        await().atMost(Duration.ofSeconds(10)).until(c.relay::isLeader);
        assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(Duration.ofSeconds(5));

        List<String> ids = writes.get();
        try (TopicReader reader = new TopicReader(HeraldKafka.bootstrapServers(), app.topic())) {
            List<ConsumerRecord<String, byte[]>> records = await().atMost(Duration.ofSeconds(60)).until(reader::poll,
                    all -> keys(all).containsAll(ids));
            Map<String, Set<UUID>> eventIdsByNote = records.stream().collect(Collectors.groupingBy(ConsumerRecord::key,
                    Collectors.mapping(r -> CODEC.decode(r.value()).id(), Collectors.toSet())));
            assertThat(eventIdsByNote.keySet()).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(eventIdsByNote.values()).allSatisfy(eventIds -> assertThat(eventIds).hasSize(1));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> app.count("outbox") == 0);
        assertThat(a.published() + b.published() + c.published()).isGreaterThanOrEqualTo(ids.size());
        b.relay.stop();
        c.relay.stop();
    }

    @Test
    void aStaleLeaderReleasedAfterATakeoverIsFencedAndNoReaderSeesItsAbortedTransaction() throws Exception {
        Relay a = relay("zombie-a");
        Relay b = relay("successor-b");
        AtomicBoolean pause = new AtomicBoolean();
        AtomicReference<List<OutboxRow>> pausedBatch = new AtomicReference<>();
        CountDownLatch paused = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        a.relay.beforeCommit(rows -> {
            if (pause.compareAndSet(true, false)) {
                pausedBatch.set(rows);
                paused.countDown();
                try {
                    release.await(); // A stands still with its Kafka transaction open, its records sent
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        ListAppender<ILoggingEvent> relayLog = new ListAppender<>();
        relayLog.start();
        Logger logger = (Logger) LoggerFactory.getLogger(OutboxRelay.class);
        logger.addAppender(relayLog);
        try {
            a.relay.start();
            await().atMost(Duration.ofSeconds(20)).until(a.relay::isLeader);
            b.relay.start();
            NoteService notes = app.bean(NoteService.class);
            List<String> ids = java.util.stream.IntStream.range(0, 20)
                    .mapToObj(i -> notes.create(new NoteInput("fenced " + i, "v0"), ALICE).id().toString()).toList();
            await().atMost(Duration.ofSeconds(30)).until(() -> app.count("outbox") == 0);

            pause.set(true);
            ids.forEach(id -> notes.update(id, new NoteInput("fenced", "v1"), IfMatch.ANY, ALICE));
            assertThat(paused.await(30, TimeUnit.SECONDS)).as("A paused inside its transaction").isTrue();
            Set<UUID> inAbortedTransaction = pausedBatch.get().stream().map(OutboxRow::eventId).collect(Collectors.toSet());
            try (TopicReader log = TopicReader.uncommitted(HeraldKafka.bootstrapServers(), app.topic())) {
                await().atMost(Duration.ofSeconds(20)).until(log::poll, all -> eventIds(all).containsAll(inAbortedTransaction));
            }

            app.jdbc().queryForList("select pg_terminate_backend(pid) from pg_stat_activity where application_name = ?",
                    "herald-outbox-relay-zombie-a");
            await().atMost(Duration.ofSeconds(10)).until(b.relay::isLeader);
            await().atMost(Duration.ofSeconds(30)).until(() -> app.count("outbox") == 0);
            assertThat(a.relay.isLeader()).as("A, still paused, believes it leads").isTrue();
            double publishedByA = a.published();

            release.countDown();
            await().atMost(Duration.ofSeconds(20)).until(() -> !a.relay.isLeader());
            String after = notes.create(new NoteInput("after the zombie woke", ""), ALICE).id().toString();

            try (TopicReader reader = new TopicReader(HeraldKafka.bootstrapServers(), app.topic())) {
                List<String> all = new ArrayList<>(ids);
                all.add(after);
                List<ConsumerRecord<String, byte[]>> records = await().atMost(Duration.ofSeconds(30))
                        .until(() -> of(reader.poll(), all), read -> keys(read).containsAll(all)
                                && read.size() >= 2 * ids.size() + 1);
                assertThat(eventIdList(records)).as("event ids read (read_committed)").doesNotHaveDuplicates();
                Map<String, List<Long>> versions = versionsByNote(records);
                ids.forEach(id -> assertThat(versions.get(id)).as(id).containsExactly(0L, 1L));
                assertThat(versions.get(after)).containsExactly(0L);
            }
            assertThat(relayLog.list).as("A's commit met the fence")
                    .anySatisfy(event -> assertThat(event.getFormattedMessage())
                            .isEqualTo("outbox relay zombie-a was fenced by another leader; stepping down"));
            assertThat(a.published()).as("events A published after it woke").isEqualTo(publishedByA);
            assertThat(b.relay.isLeader()).isTrue();
        } finally {
            release.countDown();
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
        return records.stream().collect(Collectors.groupingBy(ConsumerRecord::key,
                Collectors.mapping(r -> CODEC.decode(r.value()).data().version(), Collectors.toList())));
    }

    /** The records of the given notes only (the topic also holds the other test's events). */
    private static List<ConsumerRecord<String, byte[]>> of(List<ConsumerRecord<String, byte[]>> records, Collection<String> ids) {
        Set<String> wanted = Set.copyOf(ids);
        return records.stream().filter(r -> wanted.contains(r.key())).toList();
    }

    private static Set<String> keys(Collection<ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(ConsumerRecord::key).collect(Collectors.toSet());
    }

    private static Relay relay(String name) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        OutboxRelay relay = OutboxConfiguration.relay(name, app.bean(DataSourceProperties.class),
                app.bean(KafkaProperties.class), app.bean(OutboxProperties.class), app.bean(RelayWakeUp.class),
                new RelayMetrics(registry));
        return new Relay(relay, registry);
    }

    private record Relay(OutboxRelay relay, SimpleMeterRegistry registry) {
        double published() {
            return registry.counter("herald.outbox.published").count();
        }
    }
}
