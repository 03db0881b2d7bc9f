package dev.herald.notes.outbox;

import static dev.herald.notes.NotesApp.noteJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.ServiceEventCodec;
import dev.herald.notes.NotesApp;
import dev.herald.notes.TopicReader;
import dev.herald.notes.TopicSettings;
import dev.herald.testsupport.HeraldIssuer;
import dev.herald.testsupport.KafkaBrokerProcess;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kafka down (the broker process is killed while the relay is inside a transaction, in the middle of the
 * writes): writes still succeed; once the broker is back on the same port the backlog drains, every event
 * arrives, each note's events in order. A cluster rebuilt from scratch (data wiped) gets its topic back, as
 * configured, and events flow again.
 */
class BrokerOutageIT {

    static final String ALICE = HeraldIssuer.token("alice", "user");
    static final int PARTITIONS = 3;
    static final Duration RETENTION = Duration.ofDays(2);
    static final ServiceEventCodec CODEC = new ServiceEventCodec();

    static KafkaBrokerProcess broker;
    static NotesApp app;

    @BeforeAll
    static void start() throws Exception {
        broker = KafkaBrokerProcess.start();
        app = NotesApp.start(
                "outage",
                Map.of(
                        "spring.kafka.bootstrap-servers",
                        broker.bootstrapServers(),
                        "herald.outbox.topic.partitions",
                        String.valueOf(PARTITIONS),
                        "herald.outbox.topic.retention",
                        RETENTION.toHours() + "h",
                        "herald.outbox.relay.send-timeout",
                        "3s",
                        "herald.outbox.relay.max-backoff",
                        "1s"));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            app.close();
        } finally {
            broker.close();
        }
    }

    @Test
    void acceptsEveryWriteWhenTheBrokerDiesMidTransactionAndPublishesThemAllInOrderPerNoteWhenItReturns()
            throws Exception {
        List<String> tracked = IntStream.range(0, 20)
                .mapToObj(i ->
                        app.createNote(ALICE, "tracked " + i, "v0").get("id").asString())
                .toList();
        await().atMost(Duration.ofSeconds(30)).until(() -> app.count("outbox") == 0);

        OutboxRelay relay = app.bean(OutboxRelay.class);
        AtomicBoolean armed = new AtomicBoolean();
        AtomicBoolean killed = new AtomicBoolean();
        AtomicInteger killedWithBatchOf = new AtomicInteger();
        relay.beforeCommit(rows -> {
            // the broker dies with this batch sent and its transaction open, while the writes go on
            if (armed.get() && killed.compareAndSet(false, true)) {
                killedWithBatchOf.set(rows.size());
                try {
                    broker.kill();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        try {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                if (i == 100) {
                    armed.set(true); // the relay's batch with this write's events kills the broker
                }
                HttpResponse<String> created =
                        app.post("/notes", ALICE, noteJson("written during the outage " + i, "c"));
                assertThat(created.statusCode()).isEqualTo(201);
                ids.add(NotesApp.json(created).get("id").asString());
                HttpResponse<String> updated = app.put(
                        "/notes/" + tracked.get(i % tracked.size()),
                        ALICE,
                        noteJson("tracked", "v" + (i / tracked.size() + 1)));
                assertThat(updated.statusCode()).isEqualTo(200);
                if (i == 100) {
                    await().atMost(Duration.ofSeconds(30)).untilTrue(killed);
                }
            }
            assertThat(killedWithBatchOf.get())
                    .as("events in the transaction the broker died in")
                    .isPositive();
            assertThat(app.count("outbox"))
                    .as("the backlog while the broker is down")
                    .isGreaterThanOrEqualTo(800);
            HttpResponse<String> health = app.get("/actuator/health", null);
            assertThat(NotesApp.json(health)
                            .get("components")
                            .get("kafka")
                            .get("status")
                            .asString())
                    .isEqualTo("DOWN");

            broker.restart();
            long lastVersion = 500 / tracked.size();
            try (TopicReader reader = new TopicReader(broker.bootstrapServers(), app.topic())) {
                await().atMost(Duration.ofSeconds(90))
                        .until(
                                reader::poll,
                                all -> keys(all).containsAll(ids)
                                        && tracked.stream()
                                                .allMatch(
                                                        id -> versions(all, id).contains(lastVersion)));
                await().atMost(Duration.ofSeconds(10)).until(() -> app.count("outbox") == 0);
                List<ConsumerRecord<String, byte[]>> records = reader.readToEnd();
                Map<String, List<Long>> versions = PerNoteOrder.firstOccurrenceVersions(records);
                tracked.forEach(
                        id -> assertThat(versions.get(id)).as("note %s", id).isEqualTo(PerNoteOrder.upTo(lastVersion)));
                ids.forEach(id -> assertThat(versions.get(id)).as("note %s", id).containsExactly(0L));
            }
        } finally {
            relay.beforeCommit(rows -> {});
        }
    }

    @Test
    void aClusterRebuiltFromScratchGetsItsTopicBackAsConfiguredAndEventsFlow() throws Exception {
        String before =
                app.createNote(ALICE, "before the rebuild", "").get("id").asString();
        await().atMost(Duration.ofSeconds(30)).until(() -> app.count("outbox") == 0);

        broker.wipeAndRestart();
        List<String> ids = IntStream.range(0, 50)
                .mapToObj(i -> app.createNote(ALICE, "after the rebuild " + i, "")
                        .get("id")
                        .asString())
                .toList();
        try (TopicReader reader = new TopicReader(broker.bootstrapServers(), app.topic())) {
            await().atMost(Duration.ofSeconds(90))
                    .until(reader::poll, all -> keys(all).containsAll(ids));
            await().atMost(Duration.ofSeconds(10)).until(() -> app.count("outbox") == 0);
            List<ConsumerRecord<String, byte[]>> records = reader.readToEnd();
            assertThat(keys(records)).as("the old log is gone").doesNotContain(before);
            Set<UUID> eventIds =
                    records.stream().map(r -> CODEC.decode(r.value()).id()).collect(Collectors.toSet());
            assertThat(eventIds).hasSize(ids.size());
        }
        assertThat(TopicSettings.describe(broker.bootstrapServers(), app.topic()))
                .isEqualTo(new TopicSettings(PARTITIONS, RETENTION.toMillis()));
    }

    private static Set<String> keys(Collection<ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(ConsumerRecord::key).collect(Collectors.toSet());
    }

    private static List<Long> versions(Collection<ConsumerRecord<String, byte[]>> records, String id) {
        return records.stream()
                .filter(r -> id.equals(r.key()))
                .map(r -> CODEC.decode(r.value()).data().version())
                .toList();
    }
}
