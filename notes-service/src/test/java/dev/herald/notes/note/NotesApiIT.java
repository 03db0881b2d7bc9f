package dev.herald.notes.note;

import static dev.herald.notes.NotesApp.json;
import static dev.herald.notes.NotesApp.noteJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Action;
import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.ServiceEventCodec;
import dev.herald.notes.NotesApp;
import dev.herald.notes.TopicReader;
import dev.herald.testsupport.HeraldIssuer;
import dev.herald.testsupport.HeraldKafka;
import jakarta.persistence.EntityManagerFactory;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hibernate.SessionFactory;
import org.hibernate.stat.Statistics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The API against real PostgreSQL, Kafka and OIDC issuer: authorization matrix, errors, versions, CORS. */
class NotesApiIT {

    static NotesApp app;
    static final String ALICE = HeraldIssuer.token("alice", "user");
    static final String BOB = HeraldIssuer.token("bob", "user");
    static final String ADMIN = HeraldIssuer.token("root", "admin");
    static final ServiceEventCodec CODEC = new ServiceEventCodec();

    @BeforeAll
    static void start() {
        app = NotesApp.start(
                "api",
                Map.of(
                        "spring.jpa.properties.hibernate.generate_statistics",
                        "true",
                        "spring.jpa.properties.hibernate.session.events.log",
                        "false"));
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    // --- authorization matrix -----------------------------------------------------------------

    @Test
    void createIsOpenToEveryAuthenticatedUserAndClosedWithoutToken() {
        HttpResponse<String> created = app.post("/notes", ALICE, noteJson("t", "c"));
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode note = json(created);
        assertThat(created.headers().firstValue("Location"))
                .hasValue("/notes/" + note.get("id").asString());
        assertThat(created.headers().firstValue("ETag")).hasValue("\"0\"");
        assertThat(note.get("createdBy").asString()).isEqualTo("alice");
        assertThat(note.get("version").asLong()).isZero();
        assertThat(note.get("createdAt").asString())
                .isEqualTo(note.get("updatedAt").asString());

        assertThat(app.post("/notes", ADMIN, noteJson("t", "c")).statusCode()).isEqualTo(201);
        assertUnauthorized(app.post("/notes", null, noteJson("t", "c")));
    }

    @Test
    void readIsAllowedToOwnerAndAdminAndLooksMissingToOthers() {
        String id = app.createNote(ALICE, "mine", "secret").get("id").asString();
        assertThat(app.get("/notes/" + id, ALICE).statusCode()).isEqualTo(200);
        assertThat(app.get("/notes/" + id, ADMIN).statusCode()).isEqualTo(200);
        HttpResponse<String> other = app.get("/notes/" + id, BOB);
        HttpResponse<String> missing = app.get("/notes/" + UUID.randomUUID(), BOB);
        assertThat(other.statusCode()).isEqualTo(404);
        assertThat(json(other).get("detail")).isEqualTo(json(missing).get("detail"));
        assertThat(other.body()).doesNotContain("alice", "mine", "secret");
        assertThat(app.get("/notes/not-a-uuid", BOB).statusCode()).isEqualTo(404);
        assertUnauthorized(app.get("/notes/" + id, null));
    }

    @Test
    void listShowsUsersTheirOwnNotesAndAdminsEveryoneNewestFirst() {
        String carol = HeraldIssuer.token("carol", "user");
        String first = app.createNote(carol, "first", "").get("id").asString();
        String second = app.createNote(carol, "second", "").get("id").asString();
        app.createNote(BOB, "bob's", "");

        JsonNode mine = json(app.get("/notes?size=100", carol));
        assertThat(mine.get("items").valueStream().map(n -> n.get("id").asString()))
                .containsExactly(second, first);
        String bobs = json(app.get("/notes?size=100", BOB))
                .get("items")
                .get(0)
                .get("id")
                .asString();
        JsonNode all = json(app.get("/notes?size=100", ADMIN));
        assertThat(all.get("items")
                        .valueStream()
                        .map(n -> n.get("id").asString())
                        .limit(3))
                .as("everyone's notes, newest first")
                .containsExactly(bobs, second, first);

        JsonNode page = json(app.get("/notes?size=1&page=0", carol));
        assertThat(page.get("items")).hasSize(1);
        assertThat(page.get("hasNext").asBoolean()).isTrue();
        assertUnauthorized(app.get("/notes", null));
    }

    @Test
    void updateIsAllowedToOwnerAndAdminAndLooksMissingToOthers() {
        String id = app.createNote(ALICE, "v0", "").get("id").asString();
        HttpResponse<String> byOwner = app.put("/notes/" + id, ALICE, noteJson("v1", "x"));
        assertThat(byOwner.statusCode()).isEqualTo(200);
        assertThat(json(byOwner).get("version").asLong()).isEqualTo(1);
        assertThat(byOwner.headers().firstValue("ETag")).hasValue("\"1\"");
        assertThat(app.put("/notes/" + id, ADMIN, noteJson("v2", "y")).statusCode())
                .isEqualTo(200);
        assertThat(app.put("/notes/" + id, BOB, noteJson("bob", "z")).statusCode())
                .isEqualTo(404);
        assertUnauthorized(app.put("/notes/" + id, null, noteJson("anon", "z")));
        JsonNode now = json(app.get("/notes/" + id, ALICE));
        assertThat(now.get("title").asString()).isEqualTo("v2");
        assertThat(now.get("version").asLong()).isEqualTo(2);
    }

    @Test
    void deleteIsAllowedToOwnerAndAdminAndLooksMissingToOthers() {
        String byOwner = app.createNote(ALICE, "a", "").get("id").asString();
        String byAdmin = app.createNote(ALICE, "b", "").get("id").asString();
        assertThat(app.delete("/notes/" + byOwner, BOB).statusCode()).isEqualTo(404);
        assertUnauthorized(app.delete("/notes/" + byOwner, null));
        assertThat(app.delete("/notes/" + byOwner, ALICE).statusCode()).isEqualTo(204);
        assertThat(app.delete("/notes/" + byAdmin, ADMIN).statusCode()).isEqualTo(204);
        assertThat(app.get("/notes/" + byOwner, ALICE).statusCode()).isEqualTo(404);
        assertThat(app.delete("/notes/" + byOwner, ALICE).statusCode()).isEqualTo(404);
    }

    @Test
    void keycloakRealmRolesMakeAnAdmin() {
        String id = app.createNote(ALICE, "k", "").get("id").asString();
        assertThat(app.get("/notes/" + id, HeraldIssuer.keycloakStyleToken("kc-admin", "admin"))
                        .statusCode())
                .isEqualTo(200);
        assertThat(app.get("/notes/" + id, HeraldIssuer.keycloakStyleToken("kc-user", "user"))
                        .statusCode())
                .isEqualTo(404);
    }

    @Test
    void rejectsTokensForAnotherAudienceExpiredOrForged() {
        assertUnauthorized(app.get("/notes", HeraldIssuer.tokenForAudience("alice", "someone-else")));
        assertUnauthorized(app.get("/notes", HeraldIssuer.token("alice", Duration.ofSeconds(-120), "user")));
        assertUnauthorized(app.get("/notes", ALICE.substring(0, ALICE.length() - 4) + "AAAA"));
        assertUnauthorized(app.get("/notes", "not-a-jwt"));
    }

    @Test
    void creatingANoteIsOnePlainInsertThroughJpaWithNoSelectBeforeIt() {
        Statistics statistics = app.bean(EntityManagerFactory.class)
                .unwrap(SessionFactory.class)
                .getStatistics();
        statistics.clear();
        app.createNote(ALICE, "lean", "text");
        assertThat(statistics.getEntityInsertCount()).isEqualTo(1);
        assertThat(statistics.getEntityLoadCount()).as("entities loaded").isZero();
        assertThat(statistics.getPrepareStatementCount())
                .as("statements through JPA (the outbox row is plain JDBC)")
                .isEqualTo(1);
        assertThat(statistics.getFlushCount()).as("flushes").isEqualTo(1);
    }

    // --- versions --------------------------------------------------------------------------------

    @Test
    void staleIfMatchIsRefusedWith412AndChangesNothing() {
        String id = app.createNote(ALICE, "v0", "").get("id").asString();
        HttpResponse<String> ok = app.send(app.request("/notes/" + id, ALICE)
                .header("Content-Type", "application/json")
                .header("If-Match", "\"0\"")
                .PUT(HttpRequest.BodyPublishers.ofString(noteJson("v1", ""))));
        assertThat(ok.statusCode()).isEqualTo(200);
        HttpResponse<String> stale = app.send(app.request("/notes/" + id, ALICE)
                .header("Content-Type", "application/json")
                .header("If-Match", "\"0\"")
                .PUT(HttpRequest.BodyPublishers.ofString(noteJson("lost", ""))));
        assertProblem(stale, 412);
        assertThat(json(app.get("/notes/" + id, ALICE)).get("title").asString()).isEqualTo("v1");
        HttpResponse<String> staleDelete = app.send(
                app.request("/notes/" + id, ALICE).header("If-Match", "\"0\"").DELETE());
        assertProblem(staleDelete, 412);
        assertThat(app.get("/notes/" + id, ALICE).statusCode()).isEqualTo(200);

        // the events of the refused writes would sit before the sentinel's in the outbox, so they would be out too
        String sentinel = app.createNote(ALICE, "sentinel", "").get("id").asString();
        try (TopicReader reader = new TopicReader(HeraldKafka.bootstrapServers(), app.topic())) {
            await().atMost(Duration.ofSeconds(60))
                    .until(
                            reader::poll,
                            all -> all.stream().anyMatch(r -> r.key().equals(sentinel)));
            await().atMost(Duration.ofSeconds(10)).until(() -> app.count("outbox") == 0);
            List<ServiceEvent> events = reader.readToEnd().stream()
                    .filter(r -> r.key().equals(id))
                    .map(r -> CODEC.decode(r.value()))
                    .toList();
            assertThat(events)
                    .extracting(ServiceEvent::action, e -> e.data().version())
                    .containsExactly(tuple(Action.CREATED, 0L), tuple(Action.UPDATED, 1L));
        }
        assertThat(app.count("outbox_dead_letter")).isZero();
    }

    @Test
    void ifMatchIsComparedStronglySoAWeakTagNeverMatches() {
        String id = app.createNote(ALICE, "v0", "").get("id").asString();
        HttpResponse<String> weak = app.send(app.request("/notes/" + id, ALICE)
                .header("Content-Type", "application/json")
                .header("If-Match", "W/\"0\"")
                .PUT(HttpRequest.BodyPublishers.ofString(noteJson("weak", ""))));
        assertProblem(weak, 412);
        assertProblem(
                app.send(app.request("/notes/" + id, ALICE)
                        .header("If-Match", "W/\"0\"")
                        .DELETE()),
                412);
        HttpResponse<String> listed = app.send(app.request("/notes/" + id, ALICE)
                .header("Content-Type", "application/json")
                .header("If-Match", "\"7\", \"0\"")
                .PUT(HttpRequest.BodyPublishers.ofString(noteJson("v1", ""))));
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.headers().firstValue("ETag")).hasValue("\"1\"");
        assertThat(json(app.get("/notes/" + id, ALICE)).get("title").asString()).isEqualTo("v1");
    }

    // --- bad input -------------------------------------------------------------------------------

    @Test
    void badInputIsRefusedWithProblemJsonAndChangesNothing() {
        String id = app.createNote(ALICE, "keep", "keep").get("id").asString();
        long notes = app.count("notes");
        String tooLongTitle = "x".repeat(201);
        String tooMuchContent = "é".repeat(32 * 1024 + 1); // 64 KiB + 2 bytes in UTF-8

        assertProblem(app.post("/notes", ALICE, "{\"title\": \"a\", "), 400, "JSON");
        assertProblem(app.post("/notes", ALICE, "[1,2]"), 400);
        assertProblem(app.post("/notes", ALICE, "{\"title\": 5, \"content\": \"c\"}"), 400, "title");
        assertProblem(app.post("/notes", ALICE, "{\"title\": {\"a\":1}, \"content\": \"c\"}"), 400, "title");
        assertProblem(app.post("/notes", ALICE, "{\"content\": \"c\"}"), 400, "title");
        assertProblem(app.post("/notes", ALICE, noteJson("", "c")), 400, "title");
        assertProblem(app.post("/notes", ALICE, noteJson(tooLongTitle, "c")), 400, "title");
        assertProblem(app.post("/notes", ALICE, noteJson("t", tooMuchContent)), 400, "content");
        assertProblem(app.post("/notes", ALICE, noteJson("t", "nul\u0000")), 400, "content");
        assertProblem(app.post("/notes", ALICE, "{\"title\": \"t\"}"), 400, "content");
        assertProblem(app.post("/notes", ALICE, noteJson("t", "x".repeat(300 * 1024))), 413);
        assertProblem(
                app.send(app.request("/notes", ALICE)
                        .header("Content-Type", "text/plain")
                        .POST(HttpRequest.BodyPublishers.ofString("hello"))),
                415);
        assertProblem(app.send(app.request("/notes", ALICE).POST(HttpRequest.BodyPublishers.noBody())), 415);
        assertProblem(app.put("/notes/" + id, ALICE, "{\"title\": true, \"content\": \"c\"}"), 400, "title");
        assertProblem(app.put("/notes/" + id, ALICE, noteJson(tooLongTitle, "c")), 400, "title");
        assertProblem(app.get("/notes?size=0", ALICE), 400, "size");
        assertProblem(app.get("/notes?size=abc", ALICE), 400);
        assertProblem(app.get("/notes?page=-1", ALICE), 400, "page");
        assertProblem(app.get("/notes?page=1001", ALICE), 400, "page");
        assertProblem(app.get("/notes?page=2147483647&size=100", ALICE), 400, "page");
        assertProblem(app.get("/notes?page=99999999999999999999", ALICE), 400);

        assertThat(app.count("notes")).isEqualTo(notes);
        JsonNode kept = json(app.get("/notes/" + id, ALICE));
        assertThat(kept.get("title").asString()).isEqualTo("keep");
        assertThat(kept.get("version").asLong()).isZero();
    }

    @Test
    void acceptsTheLimitsExactly() {
        JsonNode note = app.createNote(ALICE, "t".repeat(200), "é".repeat(32 * 1024));
        assertThat(note.get("title").asString()).hasSize(200);
    }

    // --- edges -----------------------------------------------------------------------------------

    @Test
    void healthAndMetricsArePublicAndShowRelayLeadership() {
        HttpResponse<String> health = app.get("/actuator/health", null);
        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode components = json(health).get("components");
        assertThat(components.get("db").get("status").asString()).isEqualTo("UP");
        assertThat(components.get("kafka").get("status").asString()).isEqualTo("UP");
        assertThat(components.get("outboxRelay").get("details").get("leader").asBoolean())
                .isTrue();
        HttpResponse<String> metrics = app.get("/actuator/prometheus", null);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body())
                .contains(
                        "herald_outbox_backlog",
                        "herald_outbox_oldest_age_seconds",
                        "herald_outbox_published_total",
                        "herald_outbox_publish_failures_total",
                        "herald_outbox_relay_leader");
        assertUnauthorized(app.get("/actuator/info", null));
    }

    @Test
    void allowsTheDashboardOriginsOnly() {
        HttpResponse<String> allowed = app.send(app.request("/notes", null)
                .header("Origin", "http://localhost:8081")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://localhost:8081");
        HttpResponse<String> refused = app.send(app.request("/notes", null)
                .header("Origin", "http://evil.example")
                .header("Access-Control-Request-Method", "POST")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    // --- helpers ---------------------------------------------------------------------------------

    static void assertUnauthorized(HttpResponse<String> response) {
        assertProblem(response, 401);
        assertThat(response.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    }

    static void assertProblem(HttpResponse<String> response, int status, String... mentions) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        JsonNode problem = json(response);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(response.body()).doesNotContain("Exception", "at dev.", "at org.", "SQL", "insert ", "select ");
        for (String mention : mentions) {
            assertThat(problem.get("detail").asString()).containsIgnoringCase(mention);
        }
    }
}
