package dev.herald.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/grafana/herald-dashboard.json: a Grafana dashboard whose every query is valid PromQL (promtool parses them),
 * that shows what operators need, and whose metric names belong to one of the services (each service's
 * {@code ExportedMetricsIT} then proves it exports them).
 */
class DashboardTest {

    private static final Path DASHBOARD = Kustomize.ROOT.resolve("deploy/grafana/herald-dashboard.json");
    private static final Path RULES = Kustomize.ROOT.resolve("deploy/prometheus/herald-alerts.yml");
    /** notes-service: herald_outbox_*, kafka_producer_*; sse-gateway: herald_gateway_*, kafka_consumer_*. */
    private static final Pattern SERVICE_METRIC =
            Pattern.compile("(herald_outbox|kafka_producer|herald_gateway|kafka_consumer)_[a-z0-9_]+");

    private static JsonNode dashboard;
    private static final List<String> EXPRESSIONS = new ArrayList<>();

    @BeforeAll
    static void load() throws IOException {
        dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                EXPRESSIONS.add(target.path("expr").asText());
            }
        }
    }

    @Test
    void isAGrafanaDashboardWithAPrometheusDatasourceVariable() {
        assertThat(dashboard.path("uid").asText()).isEqualTo("herald-overview");
        assertThat(dashboard.path("schemaVersion").asInt()).isGreaterThanOrEqualTo(36);
        assertThat(dashboard.at("/templating/list/0/type").asText()).isEqualTo("datasource");
        assertThat(dashboard.at("/templating/list/0/query").asText()).isEqualTo("prometheus");
        for (JsonNode panel : dashboard.path("panels")) {
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            String title = panel.path("title").asText();
            assertThat(panel.at("/datasource/uid").asText()).as(title).isEqualTo("${datasource}");
            assertThat(panel.path("targets")).as("queries of %s", title).isNotEmpty();
            assertThat(panel.path("description").asText())
                    .as("description of %s", title)
                    .isNotBlank();
        }
    }

    @Test
    void everyQueryIsValidPromQl() throws IOException {
        assertThat(EXPRESSIONS).hasSizeGreaterThan(15);
        // Grafana's interval variables become fixed ranges; each query becomes a recording rule promtool parses
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (int i = 0; i < EXPRESSIONS.size(); i++) {
            String expr = EXPRESSIONS.get(i).replace("$__rate_interval", "5m").replace("$__range", "1h");
            assertThat(expr).as("no other Grafana variables").doesNotContain("$");
            rules.append("      - record: dashboard:query")
                    .append(i)
                    .append("\n        expr: ")
                    .append(new ObjectMapper().writeValueAsString(expr))
                    .append('\n');
        }
        Path file = Files.createTempFile("herald-dashboard", ".yml");
        try {
            Files.writeString(file, rules);
            assertThat(Kustomize.run(AlertRulesTest.promtool(), "check", "rules", file.toString()))
                    .contains("SUCCESS: " + EXPRESSIONS.size() + " rules found");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void showsCommitToScreenLatencyTheOutboxAndTheGateways() {
        String all = String.join("\n", EXPRESSIONS);
        assertThat(all)
                .contains(
                        "herald_gateway_delivery_latency_seconds_bucket",
                        "herald_outbox_publish_delay_seconds_bucket",
                        "herald_outbox_backlog",
                        "herald_outbox_oldest_age_seconds",
                        "herald_outbox_relay_leader",
                        "herald_gateway_consumer_lag",
                        "herald_gateway_connections",
                        "herald_gateway_deliveries_total",
                        "herald_gateway_disconnects_total",
                        "herald_gateway_resumes_total",
                        "herald_gateway_resume_replay_seconds_bucket",
                        "kafka_producer_");
        assertThat(all).contains("sum by (reason)").contains("sum by (source)");
    }

    @Test
    void everyMetricNameBelongsToAServiceThatProvesItExportsIt() throws IOException {
        Set<String> names = new TreeSet<>();
        Matcher name = Pattern.compile("\\b[a-z][a-z0-9_]*_[a-z0-9_]+(?=\\s*[{\\[(]|\\s*\\)|\\s*$|\\s*[><=])")
                .matcher((String.join("\n", EXPRESSIONS) + "\n" + Files.readString(RULES))
                        .replaceAll(
                                "[a-z_]*:[a-z0-9_:]+", " ")); // recording rule names (herald:…:p99_5m) are not scraped
        while (name.find()) {
            names.add(name.group());
        }
        // PromQL's own functions and clauses are not metrics
        names.removeAll(Set.of("histogram_quantile", "label_replace", "clamp_min", "humanize_duration"));
        assertThat(names)
                .isNotEmpty()
                .allSatisfy(metric -> assertThat(metric)
                        .as("a metric of notes-service or sse-gateway")
                        .matches(SERVICE_METRIC));
    }
}
