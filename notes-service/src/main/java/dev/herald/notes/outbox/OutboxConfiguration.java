package dev.herald.notes.outbox;

import dev.herald.contracts.ServiceEventCodec;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.DriverManager;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/** Wires the outbox: the writer's codec and doorbell, the relay, its metrics and health. */
@Configuration(proxyBeanMethods = false)
public class OutboxConfiguration {

    @Bean
    ServiceEventCodec serviceEventCodec() {
        return new ServiceEventCodec();
    }

    @Bean
    RelayWakeUp relayWakeUp() {
        return new RelayWakeUp();
    }

    @Bean
    OutboxBacklog outboxBacklog(JdbcTemplate jdbc, MeterRegistry registry) {
        return new OutboxBacklog(jdbc, registry);
    }

    @Bean
    @ConditionalOnBooleanProperty(name = "herald.outbox.relay.enabled", matchIfMissing = true)
    OutboxRelay outboxRelay(
            DataSourceProperties dataSource,
            KafkaProperties kafka,
            OutboxProperties outbox,
            RelayWakeUp wakeUp,
            MeterRegistry registry) {
        return relay("main", dataSource, kafka, outbox, wakeUp, new RelayMetrics(registry));
    }

    @Bean
    HealthIndicator kafkaHealthIndicator(KafkaProperties kafka) {
        return OutboxHealth.kafka(kafka.buildAdminProperties());
    }

    @Bean
    HealthIndicator outboxRelayHealthIndicator(
            ObjectProvider<OutboxRelay> relay, OutboxBacklog backlog, OutboxProperties outbox) {
        return OutboxHealth.relay(
                relay.getIfAvailable(), backlog, outbox.relay().maxPendingAge());
    }

    /** A relay on the configured database and cluster (the application's, or a second one in tests). */
    public static OutboxRelay relay(
            String name,
            DataSourceProperties dataSource,
            KafkaProperties kafka,
            OutboxProperties outbox,
            RelayWakeUp wakeUp,
            RelayMetrics metrics) {
        Properties session = new Properties();
        session.setProperty("user", dataSource.determineUsername());
        session.setProperty("password", nullToEmpty(dataSource.determinePassword()));
        session.setProperty("ApplicationName", "herald-outbox-relay-" + name);
        session.setProperty("tcpKeepAlive", "true");
        session.setProperty("socketTimeout", "60");
        String url = dataSource.determineUrl();
        Map<String, Object> producer = producerConfig(kafka, outbox.relay());
        TopicSetup topics = new TopicSetup(kafka.buildAdminProperties(), outbox.topic());
        return new OutboxRelay(
                name,
                () -> DriverManager.getConnection(url, session),
                () -> new MeteredProducer(producer, metrics.registry()),
                topics,
                outbox,
                wakeUp,
                metrics);
    }

    /** Idempotent, {@code acks=all}; transactional under the shared id unless that is blank. */
    static Map<String, Object> producerConfig(KafkaProperties kafka, OutboxProperties.Relay relay) {
        Map<String, Object> config = new HashMap<>(kafka.buildProducerProperties());
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        long timeout = relay.sendTimeout().toMillis();
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1000, timeout / 2));
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(2001, timeout));
        config.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
        // a batch sent right after the previous commit may meet CONCURRENT_TRANSACTIONS: retry soon, not after 100 ms
        config.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 5);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "herald-outbox-relay");
        if (relay.transactional()) {
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, relay.transactionalId());
        }
        return config;
    }

    private static String nullToEmpty(@Nullable String value) {
        return value == null ? "" : value;
    }
}
