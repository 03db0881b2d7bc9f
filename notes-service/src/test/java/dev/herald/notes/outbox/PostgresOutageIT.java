package dev.herald.notes.outbox;

import static dev.herald.notes.NotesApp.json;
import static dev.herald.notes.NotesApp.noteJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.ServiceEventCodec;
import dev.herald.notes.NotesApp;
import dev.herald.notes.TopicReader;
import dev.herald.testsupport.HeraldIssuer;
import dev.herald.testsupport.HeraldKafka;
import dev.herald.testsupport.HeraldPostgres;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL unavailable to the service (its database refuses connections and every session of it is ended; the
 * server is shared with the other test classes, so it is not stopped): writes fail with a 500 problem+json, readiness
 * is DOWN, the relay loses its session and keeps trying; when the database is back, all of that recovers and events
 * flow again. A refused write leaves nothing behind.
 */
class PostgresOutageIT {

    static final String ALICE = HeraldIssuer.token("alice", "user");
    static final ServiceEventCodec CODEC = new ServiceEventCodec();

    static NotesApp app;
    static String database;

    @BeforeAll
    static void start() {
        // a pool that gives up after 2 s, not the default 30 s, so a request during the outage answers quickly
        app = NotesApp.start("pgoutage", Map.of("spring.datasource.hikari.connection-timeout", "2000"));
        database = app.jdbcUrl().substring(app.jdbcUrl().lastIndexOf('/') + 1);
    }

    @AfterAll
    static void stop() throws SQLException {
        allowConnections(true);
        app.close();
    }

    @Test
    void whileTheDatabaseIsDownWritesFailWith500ReadinessIsDownAndTheRelayComesBackWithIt() throws Exception {
        OutboxRelay relay = app.bean(OutboxRelay.class);
        String before = app.createNote(ALICE, "before the outage", "").get("id").asString();
        await().atMost(Duration.ofSeconds(20)).until(relay::isLeader);
        assertThat(app.get("/actuator/health/readiness", null).statusCode()).isEqualTo(200);

        allowConnections(false);
        try {
            HttpResponse<String> write = app.post("/notes", ALICE, noteJson("during the outage", ""));
            assertThat(write.statusCode()).as(write.body()).isEqualTo(500);
            assertThat(write.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
            assertThat(json(write).get("detail").asString()).isEqualTo("internal error");
            assertThat(write.body()).doesNotContain("Exception", "SQL", "jdbc", "postgres", database);

            HttpResponse<String> readiness = app.get("/actuator/health/readiness", null);
            assertThat(readiness.statusCode()).isEqualTo(503);
            assertThat(json(readiness).get("status").asString()).isEqualTo("DOWN");
            await().atMost(Duration.ofSeconds(10)).until(() -> !relay.isLeader());
            assertThat(relay.isThreadAlive()).as("the relay keeps trying").isTrue();
        } finally {
            allowConnections(true);
        }

        await().atMost(Duration.ofSeconds(30))
                .until(() -> app.get("/actuator/health/readiness", null).statusCode() == 200);
        await().atMost(Duration.ofSeconds(30)).until(relay::isLeader);
        String after = app.createNote(ALICE, "after the outage", "").get("id").asString();
        assertThat(app.jdbc()
                        .queryForObject("select count(*) from notes where title = 'during the outage'", Long.class))
                .as("notes stored by the refused write")
                .isZero();
        try (TopicReader reader = new TopicReader(HeraldKafka.bootstrapServers(), app.topic())) {
            await().atMost(Duration.ofSeconds(30))
                    .until(
                            reader::poll,
                            all -> all.stream().anyMatch(r -> r.key().equals(after)));
            await().atMost(Duration.ofSeconds(10)).until(() -> app.count("outbox") == 0);
            List<ConsumerRecord<String, byte[]>> records = reader.readToEnd();
            assertThat(records)
                    .extracting(r -> CODEC.decode(r.value()).data().title())
                    .containsExactlyInAnyOrder("before the outage", "after the outage");
            assertThat(records).extracting(ConsumerRecord::key).containsExactlyInAnyOrder(before, after);
        }
    }

    /** Closes the service's database to new sessions and ends its open ones (the relay's included), or opens it again. */
    private static void allowConnections(boolean allow) throws SQLException {
        try (Connection admin = HeraldPostgres.server().getPostgresDatabase().getConnection();
                Statement statement = admin.createStatement()) {
            statement.execute("alter database " + database + " allow_connections " + allow);
            if (!allow) {
                statement.execute(
                        "select pg_terminate_backend(pid) from pg_stat_activity where datname = '" + database + "'");
            }
        }
    }
}
