package dev.herald.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.stack.StackScript.Result;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code stack} script as a newcomer runs it: {@code up --infra} starts PostgreSQL, a Kafka broker process and
 * the issuer on the ports it is given; {@code status} and {@code token} work; a taken port is refused with a clear
 * message before anything starts; {@code down} leaves nothing running. Uses free ports and its own state directory,
 * so it never touches a developer's running stack.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StackScriptIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path stackDir;

    private static StackScript stack;

    @BeforeAll
    static void onFreePorts() throws IOException {
        stack = StackScript.onFreePorts(stackDir);
    }

    @AfterAll
    static void stopEverything() throws Exception {
        stack.run("down"); // whatever happened above
    }

    @Test
    @Order(1)
    void refusesATakenPortBeforeStartingAnything() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            Result result = run(Map.of("HERALD_ISSUER_PORT", String.valueOf(taken.getLocalPort())), "up", "--infra");

            assertThat(result.exitCode()).isNotZero();
            assertThat(result.output())
                    .contains("port " + taken.getLocalPort() + " for the OIDC issuer is already in use")
                    .contains("HERALD_ISSUER_PORT=<port> ./stack up");
            assertThat(result.output()).doesNotContain("starting postgres");
        }
        assertThat(listening(port("HERALD_POSTGRES_PORT"))).isFalse();
    }

    @Test
    @Order(2)
    void upStartsPostgresKafkaAndTheIssuerAndPrintsWhereTheyAre() throws Exception {
        Result up = run("up", "--infra");

        assertThat(up.exitCode()).as(up.output()).isZero();
        assertThat(up.output())
                .contains("PostgreSQL ready on localhost:" + port("HERALD_POSTGRES_PORT"))
                .contains("Kafka ready on localhost:" + port("HERALD_KAFKA_PORT"))
                .contains("OIDC issuer ready at http://localhost:" + port("HERALD_ISSUER_PORT") + "/herald");
        for (String process : List.of("postgres", "kafka", "issuer")) {
            assertThat(stackDir.resolve("logs/" + process + ".log")).isRegularFile();
            assertThat(stackDir.resolve("run/" + process + ".pid")).isRegularFile();
        }

        try (Connection db = DriverManager.getConnection(
                        "jdbc:postgresql://localhost:" + port("HERALD_POSTGRES_PORT") + "/herald", "herald", "herald");
                ResultSet row = db.createStatement().executeQuery("SELECT current_user, current_database()")) {
            assertThat(row.next()).isTrue();
            assertThat(row.getString(1) + "/" + row.getString(2)).isEqualTo("herald/herald");
        }
        try (Admin kafka = Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:" + port("HERALD_KAFKA_PORT")))) {
            assertThat(kafka.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                    .hasSize(1);
        }
    }

    @Test
    @Order(3)
    void statusShowsWhatRuns() throws Exception {
        Result status = run("status");

        assertThat(status.exitCode()).isZero();
        assertThat(status.output())
                .containsPattern("postgres +\\d+ +running +UP")
                .containsPattern("kafka +\\d+ +running +UP")
                .containsPattern("issuer +\\d+ +running +UP")
                .containsPattern("notes-service +- +stopped");
    }

    @Test
    @Order(4)
    void tokenPrintsAnAccessTokenForADemoUser() throws Exception {
        Result token = run("token", "admin");

        assertThat(token.exitCode()).as(token.output()).isZero();
        JsonNode claims = JSON.readTree(
                Base64.getUrlDecoder().decode(token.output().trim().split("\\.")[1]));
        assertThat(claims.path("sub").asText()).isEqualTo("admin");
        assertThat(claims.path("roles").toString()).isEqualTo("[\"admin\"]");
        assertThat(claims.path("aud").toString()).contains("herald");
        assertThat(claims.path("iss").asText()).isEqualTo("http://localhost:" + port("HERALD_ISSUER_PORT") + "/herald");
    }

    @Test
    @Order(5)
    void downStopsEverythingItStarted() throws Exception {
        List<Long> pids = new ArrayList<>();
        for (String process : List.of("postgres", "kafka", "issuer")) {
            pids.add(Long.parseLong(Files.readString(stackDir.resolve("run/" + process + ".pid"))
                    .trim()));
        }

        Result down = run("down");

        assertThat(down.exitCode()).as(down.output()).isZero();
        assertThat(down.output()).contains("stopped postgres", "stopped kafka", "stopped issuer");
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .as("pid %d", pid)
                    .isFalse();
        }
        for (String variable : List.of("HERALD_POSTGRES_PORT", "HERALD_KAFKA_PORT", "HERALD_ISSUER_PORT")) {
            assertThat(listening(port(variable))).as(variable).isFalse();
        }
        assertThat(stackDir.resolve("postgres/postmaster.pid")).doesNotExist();
        assertThat(run("status").output()).containsPattern("postgres +- +stopped");
    }

    private static Result run(String... args) throws Exception {
        return stack.run(args);
    }

    private static Result run(Map<String, String> overrides, String... args) throws Exception {
        return stack.run(overrides, args);
    }

    private static int port(String variable) {
        return stack.port(variable);
    }

    private static boolean listening(int port) {
        return StackScript.listening(port);
    }
}
