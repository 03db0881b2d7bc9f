package dev.herald.notes.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The relay's producer shows Kafka's client metrics while it lives, and takes them away when it is closed. */
class MeteredProducerTest {

    @Test
    void bindsKafkaClientMetricsUntilClosed() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // no broker: a producer connects only when it first sends
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                "127.0.0.1:9",
                ProducerConfig.CLIENT_ID_CONFIG,
                "metered-producer-test",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class);

        MeteredProducer producer = new MeteredProducer(config, registry);
        assertThat(registry.find("kafka.producer.record.send.total")
                        .tag("client.id", "metered-producer-test")
                        .meters())
                .hasSize(1);
        assertThat(registry.find("kafka.producer.request.latency.avg").meters()).hasSize(1);

        producer.close(Duration.ZERO);
        assertThat(registry.getMeters())
                .noneMatch(meter -> meter.getId().getName().startsWith("kafka.producer."));
    }
}
