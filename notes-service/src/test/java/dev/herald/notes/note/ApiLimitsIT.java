package dev.herald.notes.note;

import static dev.herald.notes.NotesApp.noteJson;
import static dev.herald.notes.note.NotesApiIT.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.notes.NotesApp;
import dev.herald.testsupport.HeraldIssuer;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Limits at the edge: each user's write rate (429, nothing stored) and an unreachable issuer (503). */
class ApiLimitsIT {

    static NotesApp app;

    @BeforeAll
    static void start() {
        app = NotesApp.start(
                "limits", Map.of("herald.notes.write-rate.per-second", "1", "herald.notes.write-rate.burst", "5"));
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void aUserOverTheWriteRateGets429WithRetryAfterAndNothingIsWritten() {
        String dave = HeraldIssuer.token("dave", "user");
        long notes = app.count("notes");
        List<HttpResponse<String>> responses = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < 12; i++) {
            responses.add(app.post("/notes", dave, noteJson("burst " + i, "text")));
        }
        long elapsedSeconds = (System.nanoTime() - start) / 1_000_000_000L + 1;
        List<Integer> statuses =
                responses.stream().map(HttpResponse::statusCode).toList();
        long created = statuses.stream().filter(s -> s == 201).count();
        // the burst, plus what refilled at 1/s meanwhile (a slow machine refills more)
        assertThat(created).as(statuses.toString()).isBetween(5L, 5 + elapsedSeconds);
        assertThat(statuses)
                .as("only 201 and 429")
                .allMatch(s -> s == 201 || s == 429)
                .contains(429);
        HttpResponse<String> refused = responses.stream()
                .filter(r -> r.statusCode() == 429)
                .findFirst()
                .orElseThrow();
        assertProblem(refused, 429, "too many writes");
        assertThat(refused.headers().firstValue("Retry-After"))
                .hasValueSatisfying(
                        seconds -> assertThat(Long.parseLong(seconds)).isBetween(1L, 2L));
        assertThat(app.count("notes") - notes).as("notes stored").isEqualTo(created);
        Long daves = app.jdbc().queryForObject("select count(*) from notes where created_by = 'dave'", Long.class);
        assertThat(daves).isEqualTo(created);

        String erin = HeraldIssuer.token("erin", "user");
        assertThat(app.post("/notes", erin, noteJson("another user", "")).statusCode())
                .as("buckets are per user")
                .isEqualTo(201);
        assertThat(app.get("/notes", dave).statusCode())
                .as("reads are not metered")
                .isEqualTo(200);
    }

    @Test
    void anUnreachableIssuerGives503ProblemJsonNot500() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        try (NotesApp orphan = NotesApp.start(
                "noissuer",
                Map.of(
                        "spring.security.oauth2.resourceserver.jwt.issuer-uri",
                                "http://127.0.0.1:" + closed + "/herald",
                        "herald.security.jwks.timeout", "1s",
                        "herald.outbox.relay.enabled", "false"))) {
            HttpResponse<String> response = orphan.get("/notes", HeraldIssuer.token("alice", "user"));
            assertProblem(response, 503, "issuer");
            assertThat(response.headers().firstValue("Retry-After")).isPresent();
            NotesApiIT.assertUnauthorized(orphan.get("/notes", null));
        }
    }
}
