package dev.herald.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

/**
 * The broker process starts again on new ports when a port picked for it was taken before it bound it (another
 * process listening there), and its ports come from below the ephemeral range.
 */
class KafkaBrokerProcessIT {

    @Test
    void aFirstStartWhosePortWasTakenMeanwhileStartsAgainOnNewPorts() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("localhost", FreePorts.take()));
            try (KafkaBrokerProcess broker =
                    KafkaBrokerProcess.start(() -> new KafkaBrokerProcess(KafkaBrokerSetup.plaintext(
                            Files.createTempDirectory("herald-kafka"),
                            attempts.incrementAndGet() == 1 ? taken.getLocalPort() : FreePorts.take(),
                            FreePorts.take())))) {
                assertThat(attempts).as("starts").hasValue(2);
                assertThat(broker.bootstrapServers()).isNotEqualTo("localhost:" + taken.getLocalPort());
                int port = Integer.parseInt(broker.bootstrapServers().substring("localhost:".length()));
                assertThat(port).as("below the ephemeral range").isBetween(20_000, 32_000);
                try (Admin admin =
                        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                    admin.createTopics(Set.of(new NewTopic("answers", 1, (short) 1)))
                            .all()
                            .get(Duration.ofSeconds(30).toSeconds(), TimeUnit.SECONDS);
                    assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
                            .contains("answers");
                }
            }
        }
    }
}
