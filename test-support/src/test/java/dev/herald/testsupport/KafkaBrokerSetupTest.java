package dev.herald.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaBrokerSetupTest {

    @TempDir
    Path directory;

    @Test
    void aPlaintextBrokerListensOnItsPortWithItsControllerBesideIt() throws Exception {
        KafkaBrokerSetup broker = KafkaBrokerSetup.plaintext(directory, 19092, 19093);

        Path config = broker.writeConfig();

        assertThat(Files.readAllLines(config))
                .contains(
                        "process.roles=broker,controller",
                        "listeners=PLAINTEXT://localhost:19092,CONTROLLER://localhost:19093",
                        "advertised.listeners=PLAINTEXT://localhost:19092",
                        "controller.quorum.voters=1@localhost:19093",
                        "log.dirs=" + directory.resolve("data"),
                        "auto.create.topics.enable=false",
                        "offsets.topic.replication.factor=1");
        assertThat(broker.bootstrapServers()).isEqualTo("localhost:19092");
        assertThat(broker.formatted()).isFalse();
    }

    @Test
    void aPropertyOfTheCallerOverridesTheDefaultOnce() {
        List<String> properties = KafkaBrokerSetup.plaintext(directory, 1, 2)
                .with("num.partitions", "6")
                .with("auto.create.topics.enable", "true")
                .properties();

        assertThat(properties).contains("num.partitions=6", "auto.create.topics.enable=true");
        assertThat(properties)
                .filteredOn(line -> line.startsWith("auto.create.topics.enable="))
                .hasSize(1);
    }

    @Test
    void aSaslListenerLetsInItsUsersBesideThePlaintextOne() {
        KafkaBrokerSetup broker =
                KafkaBrokerSetup.plaintext(directory, 1001, 1002).withSaslPlain(1003, Map.of("herald", "pw"));

        assertThat(broker.properties())
                .contains(
                        "listeners=PLAINTEXT://localhost:1001,SASL://localhost:1003,CONTROLLER://localhost:1002",
                        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
                        "listener.name.sasl.plain.sasl.jaas.config="
                                + "org.apache.kafka.common.security.plain.PlainLoginModule required user_herald=\"pw\";");
        assertThat(broker.saslPort()).isEqualTo(1003);
        assertThatThrownBy(() -> KafkaBrokerSetup.plaintext(directory, 1, 2).withSaslPlain(3, Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theBrokerCommandRunsKafkaWithTheConfig() {
        KafkaBrokerSetup broker = KafkaBrokerSetup.plaintext(directory, 1, 2);

        assertThat(broker.brokerCommand("/jdk/bin/java", "a.jar:b.jar", List.of("-Xmx512m")))
                .containsExactly(
                        "/jdk/bin/java",
                        "-Xmx512m",
                        "-cp",
                        "a.jar:b.jar",
                        "kafka.Kafka",
                        broker.config().toString());
    }
}
