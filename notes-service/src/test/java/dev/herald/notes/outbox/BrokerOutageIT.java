package dev.herald.notes.outbox;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import dev.herald.contracts.ServiceEventCodec;
import dev.herald.notes.NotesApp;
import dev.herald.notes.TopicReader;
import dev.herald.testsupport.HeraldIssuer;
import dev.herald.testsupport.KafkaBrokerProcess;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import static dev.herald.notes.NotesApp.noteJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kafka down (the broker process is killed): writes still succeed; once the broker is back on the same
 * port the backlog drains and every event arrives, each with one event id.
 */
class BrokerOutageIT {

    static final String ALICE = HeraldIssuer.token("alice", "user");

    @Test
    void acceptsEveryWriteWhileTheBrokerIsDownAndPublishesThemAllWhenItReturns() throws Exception {
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start();
             NotesApp app = NotesApp.start("outage", Map.of("spring.kafka.bootstrap-servers", broker.bootstrapServers(),
                "herald.outbox.relay.send-timeout", "3s", "herald.outbox.relay.max-backoff", "1s"))) {
            app.createNote(ALICE, "before the outage", "");
            await().atMost(Duration.ofSeconds(30)).until(() -> app.count("outbox") == 0);

            broker.kill();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                HttpResponse<String> response = app.post("/notes", ALICE, noteJson("written while Kafka is down " + i, "c"));
                assertThat(response.statusCode()).isEqualTo(201);
                ids.add(NotesApp.json(response).get("id").asString());
            }
            assertThat(app.count("outbox")).isEqualTo(500);
            HttpResponse<String> health = app.get("/actuator/health", null);
            assertThat(NotesApp.json(health).get("components").get("kafka").get("status").asString()).isEqualTo("DOWN");

            broker.restart();
            try (TopicReader reader = new TopicReader(broker.bootstrapServers(), app.topic())) {
                List<ConsumerRecord<String, byte[]>> records = await().atMost(Duration.ofSeconds(90)).until(reader::poll,
                        all -> all.stream().map(ConsumerRecord::key).collect(Collectors.toSet()).containsAll(ids));
                ServiceEventCodec codec = new ServiceEventCodec();
                Set<String> written = Set.copyOf(ids);
                Set<UUID> eventIds = records.stream().filter(r -> written.contains(r.key()))
                        .map(r -> codec.decode(r.value()).id()).collect(Collectors.toSet());
                assertThat(eventIds).hasSize(500); // repeats, if any, carry the same event id
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> app.count("outbox") == 0);
        }
    }
}
