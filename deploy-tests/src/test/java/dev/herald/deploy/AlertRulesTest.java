package dev.herald.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** deploy/prometheus/herald-alerts.yml: valid for Prometheus ({@code promtool check rules}), each alert with a runbook. */
class AlertRulesTest {

    private static final Path RULES = Kustomize.ROOT.resolve("deploy/prometheus/herald-alerts.yml");

    @Test
    void promtoolAcceptsTheRules() {
        String out = Kustomize.run(promtool(), "check", "rules", RULES.toString());
        assertThat(out).contains("SUCCESS");
    }

    @Test
    void promtoolRejectsABrokenRule() throws IOException {
        String promtool =
                promtool(); // outside the lambda: a missing tool skips the test, it is not the failure asserted
        Path broken = Files.createTempFile("herald-alerts", ".yml");
        try {
            Files.writeString(broken, Files.readString(RULES).replaceFirst("expr: ", "expr: sum(rate("));
            assertThatThrownBy(() -> Kustomize.run(promtool, "check", "rules", broken.toString()))
                    .hasMessageContaining("exited with");
        } finally {
            Files.deleteIfExists(broken);
        }
    }

    @Test
    void everyAlertHasASeverityASummaryAndARunbookInTheOperationsGuide() throws IOException {
        String operations = Files.readString(Kustomize.ROOT.resolve("docs/operations.md"));
        List<String> alerts = new ArrayList<>();
        for (JsonNode group : new YAMLMapper().readTree(RULES.toFile()).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (!rule.has("alert")) {
                    continue;
                }
                String name = rule.path("alert").asText();
                alerts.add(name);
                assertThat(rule.at("/labels/severity").asText()).as(name).isIn("warning", "critical");
                assertThat(rule.at("/annotations/summary").asText()).as(name).isNotBlank();
                String runbook = rule.at("/annotations/runbook").asText();
                assertThat(runbook).as(name).startsWith("docs/operations.md#");
                String anchor = runbook.substring(runbook.indexOf('#') + 1);
                // a heading "#### HeraldOutboxRelayDown" has the anchor "heraldoutboxrelaydown"
                assertThat(operations
                                .lines()
                                .filter(l -> l.startsWith("#"))
                                .map(l -> l.replaceFirst("^#+\\s*", "")
                                        .toLowerCase()
                                        .replaceAll("[^a-z0-9 -]", "")
                                        .replace(' ', '-')))
                        .as("a heading for %s in docs/operations.md", runbook)
                        .contains(anchor);
            }
        }
        assertThat(alerts)
                .contains(
                        "HeraldOutboxRelayDown",
                        "HeraldOutboxRelayStuck",
                        "HeraldOutboxBacklogOld",
                        "HeraldGatewayConsumerLag",
                        "HeraldGatewaySlowDisconnects",
                        "HeraldGatewayResets",
                        "HeraldGatewayInstanceFull",
                        "HeraldCommitToScreenLatency");
    }

    static String promtool() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, "promtool"))) {
                return Path.of(dir, "promtool").toString();
            }
        }
        Kustomize.missingTool("promtool (Debian package prometheus)");
        throw new IllegalStateException("unreachable");
    }
}
