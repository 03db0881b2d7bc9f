package dev.herald.notes.metrics;

import static dev.herald.notes.NotesApp.noteJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.notes.NotesApp;
import dev.herald.testsupport.HeraldIssuer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every notes-service metric the Grafana dashboard and the alert rules under deploy/ use is exported by a running
 * notes-service on {@code /actuator/prometheus}, with the {@code application} tag they select on.
 */
class ExportedMetricsIT {

    /** The series of this service: its own and its Kafka producer's. */
    private static final Pattern OURS = Pattern.compile("\\b(?:herald_outbox|kafka_producer)_[a-z0-9_]+\\b");

    static NotesApp app;

    @BeforeAll
    static void start() {
        app = NotesApp.start("metrics");
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void everyMetricTheDashboardAndTheAlertsUseIsExported() throws IOException {
        Set<String> used = usedByDeploy();
        assertThat(used)
                .as("notes-service metrics in the dashboard and the rules")
                .contains(
                        "herald_outbox_backlog",
                        "herald_outbox_oldest_age_seconds",
                        "herald_outbox_relay_leader",
                        "herald_outbox_published_total",
                        "herald_outbox_publish_delay_seconds_bucket");

        // a write, so that the relay leads, builds its producer (with its client metrics) and publishes
        String token = HeraldIssuer.token("metrics-" + System.nanoTime(), "user");
        assertThat(app.post("/notes", token, noteJson("metrics", "exported")).statusCode())
                .isEqualTo(201);

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            Set<String> exported = exportedNames();
            assertThat(exported).as("exported by notes-service").containsAll(used);
        });
    }

    @Test
    void seriesCarryTheApplicationTagAndTimesAreInSeconds() {
        String scrape = scrape();
        assertThat(scrape)
                .contains("herald_outbox_backlog{application=\"notes-service\"")
                .contains("herald_outbox_oldest_age_seconds{application=\"notes-service\"");
        // a TimeGauge: Prometheus' base unit of time
        assertThat(scrape).containsPattern("(?m)^# TYPE herald_outbox_oldest_age_seconds gauge$");
    }

    private static String scrape() {
        var response = app.get("/actuator/prometheus", null);
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static Set<String> exportedNames() {
        Set<String> names = new TreeSet<>();
        for (String line : scrape().lines().toList()) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    /** Metric names of this service in deploy/grafana/*.json and deploy/prometheus/*.yml. */
    static Set<String> usedByDeploy() throws IOException {
        Path deploy = repositoryRoot().resolve("deploy");
        Set<String> names = new TreeSet<>();
        for (Path file : new Path[] {
            deploy.resolve("grafana/herald-dashboard.json"), deploy.resolve("prometheus/herald-alerts.yml")
        }) {
            Matcher name = OURS.matcher(Files.readString(file));
            while (name.find()) {
                names.add(name.group());
            }
        }
        return names;
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("deploy/grafana"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException(
                    "deploy/grafana not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
