package dev.herald.notes.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.ServiceEventCodec;
import dev.herald.notes.NotesApp;
import dev.herald.notes.TopicReader;
import dev.herald.notes.note.Caller;
import dev.herald.notes.note.IfMatch;
import dev.herald.notes.note.NoteInput;
import dev.herald.notes.note.NoteService;
import dev.herald.testsupport.HeraldIssuer;
import dev.herald.testsupport.HeraldKafka;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/**
 * What must not stop the relay, or make it hold too much: large events in a long backlog (read a bounded
 * number of bytes at a time), an {@code Error} inside the relay (it restarts, health shows it), a leader
 * that freezes mid-transaction (its session is leased: a standby leads within the lease, and the woken
 * leader is fenced).
 */
class RelayResilienceIT {

    static final Duration LEASE = Duration.ofSeconds(8);
    static final long MAX_BATCH_BYTES = 1024 * 1024;
    static final ServiceEventCodec CODEC = new ServiceEventCodec();
    static final Caller ALICE = new Caller("alice", Set.of("user"));

    static NotesApp app;

    @BeforeAll
    static void start() {
        app = NotesApp.start(
                "resilience",
                Map.of(
                        "herald.outbox.relay.max-batch-bytes", MAX_BATCH_BYTES + "B",
                        "herald.outbox.relay.lease-timeout", LEASE.toSeconds() + "s",
                        "herald.outbox.relay.send-timeout", "3s",
                        "herald.outbox.relay.max-backoff", "1s",
                        "herald.outbox.relay.restart-backoff", "1s"));
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void drainsABacklogOfLargeNotesAFewMegabytesAtATimeWithEveryEventInOrder() {
        OutboxRelay relay = app.bean(OutboxRelay.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> app.count("outbox") == 0);
        relay.stop();
        String content = "y".repeat(64 * 1024);
        NoteService notes = app.bean(NoteService.class);
        List<String> ids = new ArrayList<>();
        new TransactionTemplate(app.bean(PlatformTransactionManager.class)).executeWithoutResult(tx -> {
            for (int i = 0; i < 500; i++) {
                String id = notes.create(new NoteInput("large " + i, content), ALICE)
                        .id()
                        .toString();
                ids.add(id);
                for (int v = 1; v <= 3; v++) {
                    notes.update(id, new NoteInput("large " + i + " v" + v, content), IfMatch.ANY, ALICE);
                }
            }
        });
        assertThat(app.count("outbox")).isEqualTo(2000);

        relay.start();
        try (TopicReader reader = new TopicReader(HeraldKafka.bootstrapServers(), app.topic())) {
            List<ConsumerRecord<String, byte[]>> records = await().atMost(Duration.ofSeconds(120))
                    .until(() -> of(reader.poll(), ids), all -> all.size() >= 2000);
            assertThat(records).hasSize(2000);
            Map<String, List<Long>> versions = versionsByNote(records);
            assertThat(versions.keySet()).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(versions.values()).allSatisfy(list -> assertThat(list).containsExactly(0L, 1L, 2L, 3L));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> app.count("outbox") == 0);
        DistributionSummary batches =
                app.bean(MeterRegistry.class).get("herald.outbox.batch.bytes").summary();
        long largestEvent = 70 * 1024;
        assertThat(batches.max())
                .as("bytes held by the largest round")
                .isLessThanOrEqualTo(MAX_BATCH_BYTES + largestEvent);
        assertThat(batches.count())
                .as("rounds")
                .isGreaterThanOrEqualTo(2000 * 64 * 1024 / (MAX_BATCH_BYTES + largestEvent));
    }

    @Test
    void anErrorInsideTheRelayTurnsHealthDownAndTheRelayRecoversWithEveryEvent() {
        OutboxRelay relay = app.bean(OutboxRelay.class);
        await().atMost(Duration.ofSeconds(20)).until(relay::isLeader);
        AtomicBoolean failing = new AtomicBoolean(true);
        relay.beforeCommit(rows -> {
            if (failing.get()) {
                throw new OutOfMemoryError("thrown by the test inside the relay");
            }
        });
        try {
            String token = HeraldIssuer.token("bob", "user");
            List<String> ids = IntStream.range(0, 20)
                    .mapToObj(i -> app.createNote(token, "during the failure " + i, "text")
                            .get("id")
                            .asString())
                    .toList();

            JsonNode down = await().atMost(Duration.ofSeconds(20))
                    .until(
                            RelayResilienceIT::relayHealth,
                            health -> health.get("status").asString().equals("DOWN"));
            assertThat(down.get("details").get("lastError").asString()).isEqualTo(OutOfMemoryError.class.getName());
            assertThat(app.bean(MeterRegistry.class)
                            .get("herald.outbox.relay.restarts")
                            .counter()
                            .count())
                    .isPositive();
            assertThat(relay.isThreadAlive()).isTrue();

            failing.set(false);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> relayHealth().get("status").asString().equals("UP"));
            try (TopicReader reader = new TopicReader(HeraldKafka.bootstrapServers(), app.topic())) {
                List<ConsumerRecord<String, byte[]>> records = await().atMost(Duration.ofSeconds(30))
                        .until(reader::poll, all -> keys(all).containsAll(ids));
                Map<String, List<Long>> versions = versionsByNote(records);
                assertThat(ids).allSatisfy(id -> assertThat(versions.get(id)).containsExactly(0L));
            }
        } finally {
            relay.beforeCommit(rows -> {});
        }
    }

    @Test
    void aFrozenLeaderLosesTheLeadWithinItsLeaseAndPublishesNothingWhenItWakes() throws Exception {
        OutboxRelay own = app.bean(OutboxRelay.class);
        own.stop();
        Relay a = relay("frozen-a");
        Relay b = relay("standby-b");
        CountDownLatch frozen = new CountDownLatch(1);
        CountDownLatch wake = new CountDownLatch(1);
        AtomicBoolean freeze = new AtomicBoolean(false);
        try {
            a.relay.start();
            await().atMost(Duration.ofSeconds(20)).until(a.relay::isLeader);
            b.relay.start();
            NoteService notes = app.bean(NoteService.class);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                ids.add(notes.create(new NoteInput("before " + i, "text"), ALICE)
                        .id()
                        .toString());
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> a.published() >= 50);
            assertThat(b.relay.isLeader()).isFalse();

            a.relay.beforeCommit(rows -> {
                if (freeze.get()) {
                    frozen.countDown();
                    try {
                        wake.await(); // the leader's thread stands still mid-transaction, its session silent
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            freeze.set(true);
            for (int i = 0; i < 100; i++) {
                String id = notes.create(new NoteInput("during " + i, "text"), ALICE)
                        .id()
                        .toString();
                ids.add(id);
                notes.update(id, new NoteInput("during " + i + " v1", "text"), IfMatch.ANY, ALICE);
            }
            assertThat(frozen.await(30, TimeUnit.SECONDS)).isTrue();
            long frozenAt = System.nanoTime();
            double publishedBeforeFreeze = a.published();

            await().atMost(LEASE.plusSeconds(15)).until(b.relay::isLeader);
            Duration takeover = Duration.ofNanos(System.nanoTime() - frozenAt);
            assertThat(takeover).as("takeover after the freeze").isLessThan(LEASE.plusSeconds(5));
            await().atMost(Duration.ofSeconds(30)).until(() -> app.count("outbox") == 0);

            wake.countDown();
            await().atMost(Duration.ofSeconds(20)).until(() -> !a.relay.isLeader());
            for (int i = 0; i < 20; i++) {
                ids.add(notes.create(new NoteInput("after " + i, "text"), ALICE)
                        .id()
                        .toString());
            }
            try (TopicReader reader = new TopicReader(HeraldKafka.bootstrapServers(), app.topic())) {
                List<ConsumerRecord<String, byte[]>> records = await().atMost(Duration.ofSeconds(60))
                        .until(() -> of(reader.poll(), ids), all -> all.size() >= 270);
                Map<String, List<Long>> versions = versionsByNote(records);
                assertThat(versions).hasSize(170);
                ids.subList(0, 50)
                        .forEach(id -> assertThat(versions.get(id)).as(id).containsExactly(0L));
                ids.subList(50, 150)
                        .forEach(id -> assertThat(versions.get(id)).as(id).containsExactly(0L, 1L));
                ids.subList(150, 170)
                        .forEach(id -> assertThat(versions.get(id)).as(id).containsExactly(0L));
            }
            assertThat(a.published()).as("events the woken leader published").isEqualTo(publishedBeforeFreeze);
        } finally {
            wake.countDown();
            a.relay.stop();
            b.relay.stop();
            own.start();
        }
    }

    private static JsonNode relayHealth() {
        HttpResponse<String> response = app.get("/actuator/health", null);
        return NotesApp.json(response).get("components").get("outboxRelay");
    }

    /** Each note's event versions in the order a consumer reads them. */
    private static Map<String, List<Long>> versionsByNote(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream()
                .collect(Collectors.groupingBy(
                        ConsumerRecord::key,
                        Collectors.mapping(
                                r -> {
                                    ServiceEvent event = CODEC.decode(r.value());
                                    assertThat(event.data().id()).isEqualTo(UUID.fromString(r.key()));
                                    return event.data().version();
                                },
                                Collectors.toList())));
    }

    /** The records of the given notes only (the topic also holds other tests' events). */
    private static List<ConsumerRecord<String, byte[]>> of(
            List<ConsumerRecord<String, byte[]>> records, List<String> ids) {
        Set<String> wanted = Set.copyOf(ids);
        return records.stream().filter(r -> wanted.contains(r.key())).toList();
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
