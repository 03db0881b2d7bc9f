package dev.herald.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackConfigTest {

    @TempDir
    Path root;

    @Test
    void theDefaultsAreTheDocumentedPorts() {
        StackConfig config = StackConfig.from(Map.of(), root);

        assertThat(config.stackDir()).isEqualTo(root.resolve(".stack"));
        assertThat(List.of(
                        config.postgresPort(),
                        config.kafkaPort(),
                        config.kafkaControllerPort(),
                        config.issuerPort(),
                        config.notesPort()))
                .containsExactly(15432, 19092, 19093, 8090, 8080);
        assertThat(config.gateways())
                .containsExactly(Map.entry("sse-gateway-1", 8081), Map.entry("sse-gateway-2", 8082));
        assertThat(config.database()).isEqualTo(DatabaseTarget.embedded(15432));
        assertThat(config.bootstrapServers()).isEqualTo("localhost:19092");
        assertThat(config.issuerUri()).isEqualTo("http://localhost:8090/herald");
        assertThat(config.serviceJavaOptions()).containsExactly("-Xmx512m");
        assertThat(config.tokenExpirySeconds()).isEqualTo(3600);
        assertThat(config.aot()).isTrue();
        assertThat(config.externalDatabase() || config.externalKafka() || config.externalIssuer())
                .isFalse();
    }

    @Test
    void theEnvironmentChangesPortsAndNamesExternalSystems() {
        StackConfig config = StackConfig.from(
                Map.of(
                        "HERALD_STACK_DIR", "/var/tmp/herald-stack",
                        "HERALD_GATEWAY_PORTS", "9001,9002 9003",
                        "HERALD_SERVICE_JAVA_OPTS", " -Xmx1g  -XX:+UseZGC ",
                        "DATABASE_URL", "postgres://u:p@db:5432/x",
                        "KAFKA_BOOTSTRAP_SERVERS", "broker:9092",
                        "HERALD_ISSUER_URI", "https://id.example/realms/herald/",
                        "HERALD_STACK_AOT", "0"),
                root);

        assertThat(config.stackDir()).isEqualTo(Path.of("/var/tmp/herald-stack"));
        assertThat(config.gateways().keySet()).containsExactly("sse-gateway-1", "sse-gateway-2", "sse-gateway-3");
        assertThat(config.gatewayUrls())
                .containsExactly("http://localhost:9001", "http://localhost:9002", "http://localhost:9003");
        assertThat(config.serviceJavaOptions()).containsExactly("-Xmx1g", "-XX:+UseZGC");
        assertThat(config.database()).isEqualTo(new DatabaseTarget("jdbc:postgresql://db:5432/x", "u", "p"));
        assertThat(config.externalDatabase()).isTrue();
        assertThat(config.bootstrapServers()).isEqualTo("broker:9092");
        assertThat(config.externalKafka()).isTrue();
        assertThat(config.issuerUri()).isEqualTo("https://id.example/realms/herald");
        assertThat(config.externalIssuer()).isTrue();
        assertThat(config.aot()).isFalse();
    }

    @Test
    void aRelativeStackDirIsUnderTheRepository() {
        assertThat(StackConfig.from(Map.of("HERALD_STACK_DIR", "tmp/stack"), root)
                        .stackDir())
                .isEqualTo(root.resolve("tmp/stack"));
    }

    @Test
    void aPortThatIsNoPortIsRefusedByName() {
        assertThatThrownBy(() -> StackConfig.from(Map.of("HERALD_NOTES_PORT", "80a"), root))
                .isInstanceOf(StackException.class)
                .hasMessage("HERALD_NOTES_PORT must be a port number (1-65535), got: 80a");
        assertThatThrownBy(() -> StackConfig.from(Map.of("HERALD_GATEWAY_PORTS", "8081 70000"), root))
                .hasMessageContaining("HERALD_GATEWAY_PORTS");
    }

    @Test
    void laterCommandsUseWhatUpStartedWithAndTheStateHoldsNoPassword() throws Exception {
        StackConfig up = StackConfig.from(
                Map.of(
                        "HERALD_NOTES_PORT", "18080",
                        "HERALD_GATEWAY_PORTS", "18081 18082 18083",
                        "DATABASE_URL", "postgres://app:s3cret@db:5432/herald"),
                root);
        up.save();

        StackConfig later = StackConfig.saved(Map.of("HERALD_NOTES_PORT", "9999"), root);

        assertThat(later.notesPort()).isEqualTo(18080);
        assertThat(later.gatewayPorts()).containsExactly(18081, 18082, 18083);
        assertThat(later.database().jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/herald");
        assertThat(later.database().user()).isEqualTo("app");
        assertThat(later.externalDatabase()).isTrue();
        assertThat(Files.readString(root.resolve(".stack/stack.properties"))).doesNotContain("s3cret");
    }

    @Test
    void withoutSavedStateLaterCommandsUseTheEnvironment() {
        assertThat(StackConfig.saved(Map.of("HERALD_NOTES_PORT", "9999"), root).notesPort())
                .isEqualTo(9999);
    }
}
