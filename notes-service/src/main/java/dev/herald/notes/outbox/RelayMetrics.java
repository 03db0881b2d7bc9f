package dev.herald.notes.outbox;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * What the relay does, for Prometheus: events published (the publish rate is its rate), failed
 * attempts, dead-lettered events, the delay from the event's time to the broker's acknowledgement,
 * the bytes of each round, restarts after unexpected errors, and whether this instance is the leader.
 */
public final class RelayMetrics {

    private final MeterRegistry registry;
    private final Counter published;
    private final Counter failures;
    private final Counter deadLettered;
    private final Timer delay;
    private final Counter restarts;
    private final DistributionSummary batchBytes;

    public RelayMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.published = Counter.builder("herald.outbox.published")
                .description("events acknowledged by Kafka")
                .register(registry);
        this.failures = Counter.builder("herald.outbox.publish.failures")
                .description("events in batches Kafka did not acknowledge (retried)")
                .register(registry);
        this.deadLettered = Counter.builder("herald.outbox.dead.lettered")
                .description("events Kafka refused for good, moved to outbox_dead_letter")
                .register(registry);
        this.delay = Timer.builder("herald.outbox.publish.delay")
                .description("from the event's time (in the writing transaction) to Kafka's acknowledgement")
                .publishPercentileHistogram()
                .register(registry);
        this.restarts = Counter.builder("herald.outbox.relay.restarts")
                .description("times the relay loop restarted after an unexpected error")
                .register(registry);
        this.batchBytes = DistributionSummary.builder("herald.outbox.batch.bytes")
                .baseUnit("bytes")
                .description("event bytes read and sent in one relay round")
                .register(registry);
    }

    /** Where the relay's Kafka producer registers its client metrics. */
    MeterRegistry registry() {
        return registry;
    }

    void leadership(BooleanSupplier leader) {
        Gauge.builder("herald.outbox.relay.leader", () -> leader.getAsBoolean() ? 1 : 0)
                .description("1 while this instance's relay holds the outbox lock")
                .register(registry);
    }

    void published(Duration sinceEvent) {
        published.increment();
        delay.record(sinceEvent);
    }

    void failed(int events) {
        failures.increment(events);
    }

    void restarted() {
        restarts.increment();
    }

    void batch(java.util.List<OutboxRow> rows) {
        long bytes = 0;
        for (OutboxRow row : rows) {
            bytes += row.payload().length;
        }
        batchBytes.record((double) bytes);
    }

    void deadLettered() {
        deadLettered.increment();
    }
}
