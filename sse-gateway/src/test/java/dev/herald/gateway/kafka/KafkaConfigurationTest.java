package dev.herald.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.gateway.GatewayProperties;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;

/** What the gateway's consumers are built from: Boot's {@code spring.kafka.*}, with Herald's reading put over it. */
class KafkaConfigurationTest {

    @Test
    void springKafkaSettingsReachTheConsumersAndWhatTheReadingDependsOnIsTheGateways() {
        KafkaProperties kafka = new KafkaProperties();
        kafka.setBootstrapServers(List.of("kafka-1:9093", "kafka-2:9093"));
        kafka.getSecurity().setProtocol("SASL_SSL");
        kafka.getProperties().put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512");
        kafka.getConsumer().getProperties().put(ConsumerConfig.RECEIVE_BUFFER_CONFIG, "262144");
        // settings the gateway's reading cannot work with: they must not win
        kafka.getConsumer().setGroupId("someone-elses-group");
        kafka.getConsumer().setEnableAutoCommit(true);
        kafka.getConsumer().setIsolationLevel(KafkaProperties.IsolationLevel.READ_UNCOMMITTED);
        kafka.getConsumer().getProperties().put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, "999999999");
        GatewayProperties gateway = new Binder(
                        new MapConfigurationPropertySource(Map.of("herald.gateway.kafka.fetch-max-bytes", "2MB")))
                .bindOrCreate("herald.gateway", GatewayProperties.class);

        Map<String, Object> config = KafkaConfiguration.consumerConfig(kafka, "herald-test-", gateway);

        assertThat(config)
                .containsEntry(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, List.of("kafka-1:9093", "kafka-2:9093"))
                .containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL")
                .containsEntry(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512")
                .containsEntry(ConsumerConfig.RECEIVE_BUFFER_CONFIG, "262144")
                .doesNotContainKey(ConsumerConfig.GROUP_ID_CONFIG)
                .containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
                .containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .containsEntry(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 2 * 1024 * 1024)
                .containsEntry(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class)
                .containsEntry(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        assertThat((String) config.get(ConsumerConfig.CLIENT_ID_CONFIG)).startsWith("herald-test-");
    }
}
