package dev.herald.notes.outbox;

import static dev.herald.notes.NotesApp.json;
import static dev.herald.notes.NotesApp.noteJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Action;
import dev.herald.contracts.CloudEventHeaders;
import dev.herald.contracts.NoteData;
import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.ServiceEventCodec;
import dev.herald.notes.NotesApp;
import dev.herald.notes.TopicReader;
import dev.herald.notes.TopicSettings;
import dev.herald.notes.note.Caller;
import dev.herald.notes.note.IfMatch;
import dev.herald.notes.note.NoteInput;
import dev.herald.notes.note.NoteService;
import dev.herald.testsupport.HeraldIssuer;
import dev.herald.testsupport.HeraldKafka;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/** Every committed write becomes exactly one event on the topic, in order per note; nothing else does. */
class OutboxEventsIT {

    static NotesApp app;
    static final ServiceEventCodec CODEC = new ServiceEventCodec();
    static final String ALICE = HeraldIssuer.token("alice", "user");
    static final String ADMIN = HeraldIssuer.token("root", "admin");
    // not the defaults (6 partitions, 7 days), so the topic shows whether the relay created it as configured
    static final int PARTITIONS = 4;
    static final Duration RETENTION = Duration.ofDays(1);

    @BeforeAll
    static void start() {
        app = NotesApp.start(
                "events",
                Map.of(
                        "herald.outbox.topic.partitions",
                        String.valueOf(PARTITIONS),
                        "herald.outbox.topic.retention",
                        RETENTION.toHours() + "h"));
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void eachCommittedWriteYieldsExactlyOneEventWithActionDataActorAndHeaders() {
        JsonNode created = app.createNote(ALICE, "hello", "first line\nsecond line");
        String id = created.get("id").asString();
        JsonNode updated = json(app.put("/notes/" + id, ADMIN, noteJson("hello again", "changed by an admin")));
        assertThat(app.delete("/notes/" + id, ALICE).statusCode()).isEqualTo(204);
        String sentinel = app.createNote(ALICE, "sentinel", "").get("id").asString();

        List<ConsumerRecord<String, byte[]>> records = readAll(Map.of(id, 3, sentinel, 1));
        List<ConsumerRecord<String, byte[]>> ofNote = forNote(records, id);
        assertThat(ofNote).hasSize(3);
        List<ServiceEvent> events =
                ofNote.stream().map(r -> CODEC.decode(r.value())).toList();
        assertThat(events)
                .extracting(ServiceEvent::action)
                .containsExactly(Action.CREATED, Action.UPDATED, Action.DELETED);
        assertThat(events).extracting(e -> e.user().id()).containsExactly("alice", "root", "alice");
        assertThat(events.get(0).data()).isEqualTo(noteData(created));
        assertThat(events.get(1).data()).isEqualTo(noteData(updated));
        assertThat(events.get(2).data()).isEqualTo(noteData(updated)); // deleted: the note as it was
        assertThat(events).extracting(ServiceEvent::id).doesNotHaveDuplicates();
        for (int i = 0; i < 3; i++) {
            ConsumerRecord<String, byte[]> record = ofNote.get(i);
            ServiceEvent event = events.get(i);
            assertThat(record.key()).isEqualTo(id);
            assertThat(event.resourceId()).isEqualTo(id);
            assertThat(event.resourceType()).isEqualTo("notes");
            assertThat(TopicReader.header(record, CloudEventHeaders.ID))
                    .isEqualTo(event.id().toString());
            assertThat(TopicReader.header(record, CloudEventHeaders.TYPE)).isEqualTo(event.cloudEventType());
            assertThat(TopicReader.header(record, CloudEventHeaders.SOURCE)).isEqualTo("/notes-service");
            assertThat(TopicReader.header(record, CloudEventHeaders.SPEC_VERSION))
                    .isEqualTo("1.0");
            assertThat(TopicReader.header(record, CloudEventHeaders.TIME))
                    .isEqualTo(event.timestamp().toString());
            assertThat(TopicReader.header(record, CloudEventHeaders.SUBJECT)).isEqualTo(id);
            assertThat(TopicReader.header(record, CloudEventHeaders.CONTENT_TYPE))
                    .isEqualTo("application/json");
            assertThat(TopicReader.header(record, CloudEventHeaders.OWNER)).isEqualTo(event.owner());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> app.count("outbox") == 0);
    }

    @Test
    void withTracingNotConfiguredNothingIsExportedAndWritesNeedNoTraceHeader() {
        // no OTLP endpoint set: no span exporter exists, so no exporter connection is ever attempted
        assertThat(app.context().getBeanProvider(SpanExporter.class).stream()).isEmpty();
        HttpResponse<String> created = app.post("/notes", ALICE, noteJson("no trace header", ""));
        assertThat(created.statusCode()).isEqualTo(201);
        String id = json(created).get("id").asString();
        assertThat(forNote(readAll(Map.of(id, 1)), id)).hasSize(1);
    }

    @Test
    void theRelayCreatesTheTopicWithTheConfiguredPartitionsAndRetention() throws Exception {
        String id = app.createNote(ALICE, "makes sure the topic exists", "")
                .get("id")
                .asString();
        readAll(Map.of(id, 1));
        assertThat(TopicSettings.describe(HeraldKafka.bootstrapServers(), app.topic()))
                .isEqualTo(new TopicSettings(PARTITIONS, RETENTION.toMillis()));
    }

    @Test
    void aRolledBackWriteYieldsNoEvent() {
        NoteService notes = app.bean(NoteService.class);
        TransactionTemplate transaction = app.bean(TransactionTemplate.class);
        Caller alice = new Caller("alice", Set.of("user"));
        NoteData rolledBack = transaction.execute(status -> {
            NoteData note = notes.create(new NoteInput("never", "committed"), alice);
            status.setRollbackOnly();
            return note;
        });
        String refused = app.createNote(ALICE, "to update", "").get("id").asString();
        assertThat(app.put("/notes/" + refused, ALICE, "{\"title\": \"\"}").statusCode())
                .isEqualTo(400);
        String sentinel = app.createNote(ALICE, "sentinel", "").get("id").asString();

        List<ConsumerRecord<String, byte[]>> records = readAll(Map.of(refused, 1, sentinel, 1));
        assertThat(forNote(records, rolledBack.id().toString())).isEmpty();
        assertThat(forNote(records, refused)).hasSize(1); // its creation only
        assertThat(app.get("/notes/" + rolledBack.id(), ALICE).statusCode()).isEqualTo(404);
    }

    @Test
    void aThousandRapidUpdatesToOneNoteArriveInVersionOrder() throws Exception {
        String id = app.createNote(ALICE, "counter", "0").get("id").asString();
        NoteService notes = app.bean(NoteService.class);
        Caller alice = new Caller("alice", Set.of("user"));
        try (ExecutorService writers = Executors.newFixedThreadPool(4)) {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int writer = w;
                done.add(writers.submit(() -> {
                    for (int i = 0; i < 250; i++) {
                        notes.update(id, new NoteInput("counter", writer + ":" + i), IfMatch.ANY, alice);
                    }
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        }
        List<ConsumerRecord<String, byte[]>> records = readAll(Map.of(id, 1001));
        List<Long> versions = forNote(records, id).stream()
                .map(r -> CODEC.decode(r.value()).data().version())
                .toList();
        assertThat(versions).hasSize(1001);
        assertThat(versions).isSorted().doesNotHaveDuplicates();
        assertThat(versions.getLast()).isEqualTo(1000L);
    }

    @Test
    void aRecordKafkaRefusesForGoodGoesToTheDeadLetterTableAndTheRelayGoesOn() throws Exception {
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, HeraldKafka.bootstrapServers()))) {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> admin.listTopics().names().get().contains(app.topic()));
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, app.topic());
            setMaxMessageBytes(admin, topic, "4096");
            try {
                String before =
                        app.createNote(ALICE, "small before", "").get("id").asString();
                String big = app.createNote(ALICE, "too big for the topic", "x".repeat(8000))
                        .get("id")
                        .asString();
                // eight small notes follow at once, so some share a producer batch and a partition with "big" (the
                // producer splits a refused batch and re-packs those records together): the relay must still find
                // the one record the broker refuses and let every other through
                Map<String, Integer> expected = new HashMap<>(Map.of(before, 1));
                for (int i = 0; i < 8; i++) {
                    expected.put(
                            app.createNote(ALICE, "small after " + i, "")
                                    .get("id")
                                    .asString(),
                            1);
                }

                List<ConsumerRecord<String, byte[]>> records = readAll(expected);
                for (String note : expected.keySet()) {
                    assertThat(forNote(records, note)).as(note).hasSize(1);
                }
                assertThat(forNote(records, big)).isEmpty();
                String error = app.jdbc()
                        .queryForObject(
                                "select error from outbox_dead_letter where note_id = ?::uuid", String.class, big);
                assertThat(error).contains("RecordTooLarge");
                // the write's trace context moves with the row (traced by default, if only 1 in 10 sampled)
                String traceparent = app.jdbc()
                        .queryForObject(
                                "select traceparent from outbox_dead_letter where note_id = ?::uuid",
                                String.class,
                                big);
                assertThat(traceparent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]");
            } finally {
                setMaxMessageBytes(admin, topic, "1048588");
            }
        }
    }

    private static void setMaxMessageBytes(Admin admin, ConfigResource topic, String value) throws Exception {
        admin.incrementalAlterConfigs(Map.of(
                        topic,
                        List.of(new AlterConfigOp(
                                new ConfigEntry("max.message.bytes", value), AlterConfigOp.OpType.SET))))
                .all()
                .get();
    }

    /**
     * Reads the topic until each given note has at least its number of events, then, once the outbox is empty,
     * every partition to its end: so an exact count or an absence covers the whole topic.
     */
    static List<ConsumerRecord<String, byte[]>> readAll(Map<String, Integer> eventsPerNote) {
        try (TopicReader reader = new TopicReader(HeraldKafka.bootstrapServers(), app.topic())) {
            await().atMost(Duration.ofSeconds(60))
                    .until(
                            reader::poll,
                            records -> eventsPerNote.entrySet().stream()
                                    .allMatch(note ->
                                            forNote(records, note.getKey()).size() >= note.getValue()));
            await().atMost(Duration.ofSeconds(10)).until(() -> app.count("outbox") == 0);
            return reader.readToEnd();
        }
    }

    static List<ConsumerRecord<String, byte[]>> forNote(List<ConsumerRecord<String, byte[]>> records, String id) {
        return records.stream().filter(r -> id.equals(r.key())).toList();
    }

    static NoteData noteData(JsonNode json) {
        return NotesApp.JSON.treeToValue(json, NoteData.class);
    }
}
