package dev.herald.notes.outbox;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import dev.herald.contracts.ServiceEventCodec;
import dev.herald.notes.NotesApp;
import dev.herald.notes.TopicReader;
import dev.herald.notes.note.Caller;
import dev.herald.notes.note.NoteInput;
import dev.herald.notes.note.NoteService;
import dev.herald.testsupport.HeraldKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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
