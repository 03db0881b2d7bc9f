package dev.herald.gateway.kafka;

import dev.herald.gateway.GatewayProperties;
import dev.herald.gateway.fanout.GatewayMetrics;
import dev.herald.gateway.fanout.Hub;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class KafkaConfiguration {

    @Bean
    NotesEventConsumer notesEventConsumer(
            KafkaProperties kafkaProperties,
            GatewayProperties properties,
            Hub hub,
            GatewayMetrics metrics,
            MeterRegistry registry,
            ObjectProvider<Tracer> tracer,
            ObjectProvider<SpanExporter> spanExporters) {
        Map<String, Object> config = consumerConfig(kafkaProperties, "herald-gateway-", properties);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        GatewayProperties.Kafka kafka = properties.kafka();
        GatewayProperties.Resume resume = properties.resume();
        // Spans nothing exports are work for nobody: without an exporter (no OTLP endpoint configured, or
        // management.tracing.export.enabled=false) the consumer does not even look at the trace headers.
        boolean exported = spanExporters.orderedStream().findAny().isPresent();
        DeliveryTracing tracing =
                exported ? new DeliveryTracing(tracer.getIfAvailable(), kafka.topic()) : DeliveryTracing.OFF;
        return new NotesEventConsumer(
                () -> metered(config, registry),
                kafka.topic(),
                kafka.pollTimeout(),
                kafka.partitionRefresh(),
                resume.fill() ? resume.ringSize() : 0,
                hub,
                metrics,
                tracing);
    }

    /** The bounded pool of Kafka readers for resumes the replay buffer cannot serve. */
    @Bean(destroyMethod = "close")
    KafkaReplayer kafkaReplayer(KafkaProperties kafkaProperties, GatewayProperties properties) {
        Map<String, Object> config = consumerConfig(kafkaProperties, "herald-replay-", properties);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        GatewayProperties.Resume resume = properties.resume();
        return new KafkaReplayer(
                () -> new KafkaConsumer<>(config),
                properties.kafka().topic(),
                resume.replayReaders(),
                resume.replayQueue(),
                new KafkaReplayer.ChunkBounds(resume.chunkRecords(), resume.chunkTime()));
    }

    /** {@code consumer}: DOWN while the consumer thread recovers from a failure or is gone. */
    @Bean
    HealthIndicator consumerHealthIndicator(NotesEventConsumer consumer) {
        return consumer::health;
    }

    /** {@code kafka}: reachability and lag, informative (UNKNOWN, not DOWN, while Kafka is away). */
    @Bean
    HealthIndicator kafkaHealthIndicator(NotesEventConsumer consumer) {
        return consumer::kafkaHealth;
    }

    /** The live consumer with Kafka's client metrics bound to the registry for as long as it lives. */
    private static KafkaConsumer<byte[], byte[]> metered(Map<String, Object> config, MeterRegistry registry) {
        return new KafkaConsumer<>(config) {
            private final KafkaClientMetrics metrics = new KafkaClientMetrics(this);

            {
                metrics.bindTo(registry);
            }

            @Override
            public void close() {
                try {
                    super.close();
                } finally {
                    metrics.close();
                }
            }

            @Override
            public void close(Duration timeout) {
                try {
                    super.close(timeout);
                } finally {
                    metrics.close();
                }
            }

            @Override
            public void close(CloseOptions options) {
                try {
                    super.close(options);
                } finally {
                    metrics.close();
                }
            }
        };
    }

    /**
     * Boot's {@code spring.kafka.*} consumer settings (bootstrap servers, security protocol, SSL, SASL through
     * {@code spring.kafka.properties.*}, ...) with what the gateway's reading depends on put over them: manual
     * assignment (no group, no commits), {@code read_committed}, byte arrays, and fetches bounded in bytes, so
     * the live consumer and the replay readers together fit the heap.
     */
    static Map<String, Object> consumerConfig(
            KafkaProperties kafka, String clientPrefix, GatewayProperties properties) {
        int fetchMax = (int)
                Math.min(Integer.MAX_VALUE, properties.kafka().fetchMaxBytes().toBytes());
        Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        config.remove(ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG);
        config.put(
                ConsumerConfig.CLIENT_ID_CONFIG,
                clientPrefix + UUID.randomUUID().toString().substring(0, 8));
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, fetchMax);
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Math.min(fetchMax, 1024 * 1024));
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        // partitionsFor answers from the client's cached metadata (5 min old by default): a partition added to
        // the topic is seen only once that cache is refreshed, so refresh it as often as partitions are checked
        config.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, (int) Math.min(
                Integer.MAX_VALUE,
                Math.max(1_000, properties.kafka().partitionRefresh().toMillis())));
        return config;
    }
}
