package dev.herald.gateway.fanout;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway's Prometheus metrics, all under {@code herald_gateway_*}: connections, deliveries,
 * filtered, disconnects by reason, skipped records, consumer lag and end-to-end latency (event timestamp
 * to the write of its frame) as a histogram.
 */
public final class GatewayMetrics {

    private final MeterRegistry registry;
    private final Counter deliveries;
    private final Counter filtered;
    private final Counter skipped;
    private final Counter consumed;
    private final Timer latency;
    private final EnumMap<DisconnectReason, Counter> disconnects = new EnumMap<>(DisconnectReason.class);
    private final AtomicLong lag = new AtomicLong();
    private final EnumMap<ResumeSource, Counter> resumes = new EnumMap<>(ResumeSource.class);
    private final Timer replay;

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        deliveries = Counter.builder("herald.gateway.deliveries")
                .description("Event frames queued to streams")
                .register(registry);
        filtered = Counter.builder("herald.gateway.filtered")
                .description("Events in a stream's audience not sent because of its ?types= filter")
                .register(registry);
        skipped = Counter.builder("herald.gateway.records.skipped")
                .description("Kafka records that were not valid ServiceEvents")
                .register(registry);
        consumed = Counter.builder("herald.gateway.records.consumed")
                .description("Kafka records read")
                .register(registry);
        latency = Timer.builder("herald.gateway.delivery.latency")
                .description("Event timestamp to the write of its frame to a stream")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        for (DisconnectReason reason : DisconnectReason.values()) {
            disconnects.put(
                    reason,
                    Counter.builder("herald.gateway.disconnects")
                            .description("Streams ended or refused, by reason")
                            .tag("reason", reason.tag())
                            .register(registry));
        }
        for (ResumeSource source : ResumeSource.values()) {
            resumes.put(
                    source,
                    Counter.builder("herald.gateway.resumes")
                            .description("Streams resumed from a Last-Event-ID, by where the missed events came from")
                            .tag("source", source.tag())
                            .register(registry));
        }
        replay = Timer.builder("herald.gateway.resume.replay")
                .description("A resumed stream's connect to its joining the live stream (its replay)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
        Gauge.builder("herald.gateway.consumer.lag", lag, AtomicLong::get)
                .description("Records on the topic not read yet, all partitions")
                .register(registry);
    }

    void watchConnections(AtomicInteger connections) {
        Gauge.builder("herald.gateway.connections", connections, AtomicInteger::get)
                .description("Open streams")
                .register(registry);
    }

    void watchReplayBuffer(ReplayBuffer ring) {
        Gauge.builder("herald.gateway.replay.buffer.events", ring, ReplayBuffer::size)
                .description("Events held in memory for resumes")
                .register(registry);
        Gauge.builder("herald.gateway.replay.buffer.bytes", ring, ReplayBuffer::bytes)
                .baseUnit("bytes")
                .description("Bytes of events held in memory for resumes")
                .register(registry);
    }

    void watchDrain(java.util.function.IntSupplier remaining) {
        Gauge.builder("herald.gateway.drain.remaining", remaining, r -> r.getAsInt())
                .description("Streams still open while the instance drains (0 when not draining)")
                .register(registry);
    }

    void resumed(ResumeSource source, long replayNanos) {
        counter(resumes, source).increment();
        replay.record(replayNanos, TimeUnit.NANOSECONDS);
    }

    public double resumes(ResumeSource source) {
        return counter(resumes, source).count();
    }

    void fannedOut(long delivered, long filteredOut) {
        if (delivered > 0) {
            deliveries.increment((double) delivered);
        }
        if (filteredOut > 0) {
            filtered.increment((double) filteredOut);
        }
    }

    void delivered(long latencyAmount, TimeUnit unit) {
        latency.record(Math.max(0, latencyAmount), unit);
    }

    void disconnected(DisconnectReason reason) {
        counter(disconnects, reason).increment();
    }

    public void recordsConsumed(int count) {
        consumed.increment(count);
    }

    public void recordSkipped() {
        skipped.increment();
    }

    public void consumerLag(long records) {
        lag.set(records);
    }

    public double disconnects(DisconnectReason reason) {
        return counter(disconnects, reason).count();
    }

    /** The constructor registers a counter for every constant, so the lookup always finds one. */
    private static <K extends Enum<K>> Counter counter(EnumMap<K, Counter> counters, K key) {
        return Objects.requireNonNull(counters.get(key), key.name());
    }

    public double skippedRecords() {
        return skipped.count();
    }
}
