package dev.herald.notes.outbox;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * What the relay does, for Prometheus: events published (the publish rate is its rate), failed
 * attempts, dead-lettered events, the delay from the event's time to the broker's acknowledgement,
 * and whether this instance is the leader.
 */
public final class RelayMetrics {

    private final MeterRegistry registry;
    private final Counter published;
    private final Counter failures;
    private final Counter deadLettered;
    private final Timer delay;

    public RelayMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.published = Counter.builder("herald.outbox.published").description("events acknowledged by Kafka")
                .register(registry);
        this.failures = Counter.builder("herald.outbox.publish.failures")
                .description("events in batches Kafka did not acknowledge (retried)").register(registry);
        this.deadLettered = Counter.builder("herald.outbox.dead.lettered")
                .description("events Kafka refused for good, moved to outbox_dead_letter").register(registry);
        this.delay = Timer.builder("herald.outbox.publish.delay")
                .description("from the event's time (in the writing transaction) to Kafka's acknowledgement")
                .publishPercentileHistogram().register(registry);
    }

    /** Where the relay's Kafka producer registers its client metrics. */
    MeterRegistry registry() {
        return registry;
    }

    void leadership(BooleanSupplier leader) {
        Gauge.builder("herald.outbox.relay.leader", () -> leader.getAsBoolean() ? 1 : 0)
                .description("1 while this instance's relay holds the outbox lock").register(registry);
    }

    void published(Duration sinceEvent) {
        published.increment();
        delay.record(sinceEvent);
    }

    void failed(int events) {
        failures.increment(events);
    }

    void deadLettered() {
        deadLettered.increment();
    }
}
