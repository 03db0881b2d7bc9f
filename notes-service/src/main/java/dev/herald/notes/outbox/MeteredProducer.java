package dev.herald.notes.outbox;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * The relay's producer with Kafka's own client metrics in Micrometer ({@code kafka_producer_*}: send rates, request
 * latency, transaction times, buffer use), bound while it lives: the relay closes and re-creates its producer after
 * failures, and each close unbinds its meters.
 */
final class MeteredProducer extends KafkaProducer<String, byte[]> {

    private final KafkaClientMetrics metrics;

    MeteredProducer(Map<String, Object> config, MeterRegistry registry) {
        super(config);
        metrics = new KafkaClientMetrics(this);
        metrics.bindTo(registry);
    }

    @Override
    public void close(Duration timeout) {
        try {
            super.close(timeout);
        } finally {
            metrics.close();
        }
    }
}
