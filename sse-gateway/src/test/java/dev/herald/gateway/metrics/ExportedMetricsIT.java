package dev.herald.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.gateway.GatewayIntegrationTest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every gateway metric the Grafana dashboard and the alert rules under deploy/ use is exported by a running gateway on
 * {@code /actuator/prometheus}, with the {@code application} tag they select on, and with every label value they
 * select ({@code reason}, {@code source}).
 */
class ExportedMetricsIT extends GatewayIntegrationTest {

    /** The series of this service (its Kafka consumers' client metrics are not bound yet). */
    private static final Pattern OURS = Pattern.compile("\\b(?:herald_gateway|kafka_consumer)_[a-z0-9_]+\\b");

    @Test
    void everyMetricTheDashboardAndTheAlertsUseIsExported() throws Exception {
        Set<String> used = usedByDeploy(OURS);
        assertThat(used)
                .as("gateway metrics in the dashboard and the rules")
                .contains(
                        "herald_gateway_connections",
                        "herald_gateway_consumer_lag",
                        "herald_gateway_disconnects_total",
                        "herald_gateway_resumes_total",
                        "herald_gateway_delivery_latency_seconds_bucket");

        String scrape = scrape();
        Set<String> exported = new TreeSet<>();
        for (String line : scrape.lines().toList()) {
            if (!line.isBlank() && !line.startsWith("#")) {
                exported.add(line.split("[{ ]", 2)[0]);
            }
        }
        assertThat(exported).as("exported by the gateway").containsAll(used);
    }

    @Test
    void labelValuesTheRulesSelectExistAndSeriesCarryTheApplicationTag() throws Exception {
        String scrape = scrape();
        String rules = Files.readString(repositoryRoot().resolve("deploy/prometheus/herald-alerts.yml"));
        Matcher selected = Pattern.compile("(herald_gateway_[a-z_]+)\\{[^}]*?(reason|source)=\"([a-z]+)\"")
                .matcher(rules);
        int checked = 0;
        while (selected.find()) {
            assertThat(scrape)
                    .as("%s with %s=%s", selected.group(1), selected.group(2), selected.group(3))
                    .containsPattern("(?m)^" + selected.group(1) + "\\{[^}]*" + selected.group(2) + "=\""
                            + selected.group(3) + "\"");
            checked++;
        }
        assertThat(checked).as("label selectors checked").isGreaterThanOrEqualTo(3);
        assertThat(scrape).containsPattern("(?m)^herald_gateway_connections\\{[^}]*application=\"sse-gateway\"");
    }

    private String scrape() throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    /** Metric names matching {@code pattern} in deploy/grafana/herald-dashboard.json and deploy/prometheus/herald-alerts.yml. */
    private static Set<String> usedByDeploy(Pattern pattern) throws IOException {
        Path deploy = repositoryRoot().resolve("deploy");
        Set<String> names = new TreeSet<>();
        for (Path file : new Path[] {
            deploy.resolve("grafana/herald-dashboard.json"), deploy.resolve("prometheus/herald-alerts.yml")
        }) {
            Matcher name = pattern.matcher(Files.readString(file));
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
