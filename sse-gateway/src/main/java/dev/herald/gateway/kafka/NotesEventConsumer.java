package dev.herald.gateway.kafka;

import dev.herald.contracts.InvalidEventException;
import dev.herald.contracts.ServiceEvent;
import dev.herald.gateway.fanout.Frame;
import dev.herald.gateway.fanout.GatewayMetrics;
import dev.herald.gateway.fanout.Hub;
import dev.herald.gateway.resume.ResumePosition;
import io.opentelemetry.api.trace.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.context.SmartLifecycle;

/**
 * The gateway's one consumer thread. It reads every partition of the topic by manual assignment (no
 * group, no commits, no rebalances), from the end at start-up, and re-checks the partition count
 * while running (a new partition is read from its beginning). Each record is decoded once; a record
 * that is not a valid event is counted and skipped. Each polled batch goes to the {@link Hub} once,
 * with every event's id the instance's position after it. It never blocks on a client.
 *
 * <p>Nothing stops it silently: any failure, {@link Error}s included (an {@link OutOfMemoryError} of a
 * burst, say), is logged and the loop starts again from where it stood, with a growing pause; while it
 * fails, and if its thread is gone, {@link #health()} says so.
 */
public final class NotesEventConsumer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(NotesEventConsumer.class);
    private static final long INITIAL_PAUSE_MILLIS = 500;
    private static final long MAX_PAUSE_MILLIS = 10_000;

    private final Supplier<Consumer<byte[], byte[]>> consumers;
    private final String topic;
    private final int topicCheck;
    private final Duration pollTimeout;
    private final Duration partitionRefresh;
    /** The topic was missing at the last look (consumer thread). */
    private boolean waitingForTopic;

    private final Hub hub;
    private final GatewayMetrics metrics;
    private final EventFrames eventFrames = new EventFrames();
    private final DeliveryTracing tracing;
    /** When the last poll came back (epoch millis); 0 before the first. */
    private volatile long lastPollMillis;
    /** The failure the loop is recovering from; null while it reads. */
    private volatile @Nullable Throwable failure;

    private volatile long lag = -1;

    private volatile boolean running;
    private volatile @Nullable Thread thread;
    private volatile @Nullable Consumer<byte[], byte[]> consumer;
    /** Next offset per partition, index = partition number; owned by the consumer thread. */
    private long[] next = new long[0];

    private final Set<TopicPartition> assigned = new HashSet<>();
    /** Whether partitions were ever assigned: only those found at start-up are read from their end. */
    private boolean started;
    /** Events read back into the replay buffer at start-up, all partitions together (0: none). */
    private final int fillEvents;
    /** While filling: the end offsets to reach before streams are admitted; null once ready. */
    private @Nullable Map<TopicPartition, Long> fillUntil;

    private long fillDeadlineNanos;

    /**
     * @param fillEvents how many of the topic's last events to read back into the replay buffer at start-up
     *                   (spread evenly over the partitions), so a fresh instance can resume clients too
     * @param tracing    spans of records that carry a trace context ({@link DeliveryTracing#OFF}: none)
     */
    NotesEventConsumer(
            Supplier<Consumer<byte[], byte[]>> consumers,
            String topic,
            Duration pollTimeout,
            Duration partitionRefresh,
            int fillEvents,
            Hub hub,
            GatewayMetrics metrics,
            DeliveryTracing tracing) {
        this.tracing = tracing;
        this.fillEvents = fillEvents;
        this.consumers = consumers;
        this.topic = topic;
        this.topicCheck = ResumePosition.topicCheck(topic);
        this.pollTimeout = pollTimeout;
        this.partitionRefresh = partitionRefresh;
        this.hub = hub;
        this.metrics = metrics;
    }

    @Override
    public void start() {
        running = true;
        Thread t = Thread.ofPlatform().name("herald-kafka-consumer").daemon().unstarted(this::run);
        thread = t;
        t.start();
    }

    @Override
    public void stop() {
        running = false;
        Consumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t = thread;
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Before the web server stops (phase of Boot's web server lifecycle is higher). */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 2048;
    }

    private void run() {
        long pauseMillis = 0;
        while (running) {
            try (Consumer<byte[], byte[]> c = consumers.get()) {
                consumer = c;
                consume(c);
            } catch (WakeupException | InterruptException e) {
                if (!running) {
                    return;
                }
            } catch (Throwable e) { // an Error too: the thread must outlive a burst it could not hold
                if (!running) {
                    return;
                }
                failure = e;
                pauseMillis = Math.min(MAX_PAUSE_MILLIS, Math.max(INITIAL_PAUSE_MILLIS, pauseMillis * 2));
                log.error("Kafka consumer failed; reading again from the current position in {} ms", pauseMillis, e);
                pause(pauseMillis);
            } finally {
                consumer = null;
            }
        }
    }

    /**
     * UP while it reads; DOWN while it recovers from a failure, or when its thread is gone although it
     * should run. The Kafka reachability and lag are {@link #kafkaHealth() another component}.
     */
    public Health health() {
        Thread t = thread;
        if (running && (t == null || !t.isAlive())) {
            return Health.down()
                    .withDetail("reason", "the consumer thread is not running")
                    .build();
        }
        Throwable f = failure;
        if (f != null) {
            return Health.down()
                    .withDetail("reason", "recovering from " + f.getClass().getSimpleName())
                    .build();
        }
        return Health.up().build();
    }

    /**
     * Whether Kafka answers polls and how far behind the consumer is: informative only, so a Kafka outage
     * does not take readiness away (streams stay open, heartbeat, and catch up when it is back).
     */
    public Health kafkaHealth() {
        long last = lastPollMillis;
        long ago = last == 0 ? -1 : System.currentTimeMillis() - last;
        Health.Builder health =
                ago >= 0 && ago < 3 * Math.max(pollTimeout.toMillis(), 1000) ? Health.up() : Health.unknown();
        return health.withDetail("lastPollMillisAgo", ago)
                .withDetail("lag", lag)
                .build();
    }

    private void consume(Consumer<byte[], byte[]> c) {
        assigned.clear();
        refreshPartitions(c);
        long nextRefresh = System.nanoTime() + partitionRefresh.toNanos();
        while (running) {
            if (assigned.isEmpty()) { // the topic does not exist yet
                sleepQuietly();
                refreshPartitions(c);
                continue;
            }
            ConsumerRecords<byte[], byte[]> records = c.poll(pollTimeout);
            lastPollMillis = System.currentTimeMillis();
            failure = null;
            if (!records.isEmpty()) {
                publish(records);
            }
            if (fillUntil != null) {
                checkFilled(c);
            }
            if (System.nanoTime() - nextRefresh >= 0) {
                refreshPartitions(c);
                nextRefresh = System.nanoTime() + partitionRefresh.toNanos();
            }
        }
    }

    /**
     * Decodes a polled batch and hands it to the hub. The position moves only once the hub has the batch:
     * after a failure halfway, the consumer reads the batch again rather than skip it. A record that carries a
     * sampled trace context gets a span from before its decoding until the hub has its batch.
     */
    private void publish(ConsumerRecords<byte[], byte[]> records) {
        List<Frame> frames = new ArrayList<>(records.count());
        metrics.recordsConsumed(records.count());
        @Nullable List<Span> spans = null;
        long[] at = next;
        for (ConsumerRecord<byte[], byte[]> record : records) {
            int partition = record.partition();
            if (at.length <= partition) {
                at = Arrays.copyOf(at, partition + 1);
            } else if (at == next) {
                at = next.clone();
            }
            at[partition] = record.offset() + 1;
            @Nullable Span span = tracing.start(record);
            ServiceEvent event;
            try {
                event = eventFrames.decode(record);
            } catch (InvalidEventException e) {
                metrics.recordSkipped();
                log.warn(
                        "Skipped record {}-{}@{}: not a valid ServiceEvent ({})",
                        topic,
                        partition,
                        record.offset(),
                        e.getMessage());
                DeliveryTracing.skipped(span);
                continue;
            }
            spans = DeliveryTracing.decoded(span, event, spans);
            long[] after = at.clone();
            frames.add(eventFrames.frame(record, event, ResumePosition.encode(topicCheck, after, after.length), after));
        }
        hub.publish(frames, at.clone(), ResumePosition.encode(topicCheck, at, at.length));
        next = at;
        // not in a finally: a batch that fails is read again, and its records get new spans (an unended span is
        // never exported, nor held)
        DeliveryTracing.end(spans);
    }

    /** Once the start-up fill reached the ends it aimed at (or took too long), streams are admitted. */
    private void checkFilled(Consumer<byte[], byte[]> c) {
        Map<TopicPartition, Long> until = fillUntil;
        if (until == null) {
            return;
        }
        boolean done = System.nanoTime() - fillDeadlineNanos >= 0;
        if (!done) {
            done = true;
            for (Map.Entry<TopicPartition, Long> end : until.entrySet()) {
                if (c.position(end.getKey()) < end.getValue()) {
                    done = false;
                    break;
                }
            }
        }
        if (done) {
            fillUntil = null;
            log.info("Replay buffer holds {} event(s) read back at start-up", hub.bufferedEvents());
            hub.startAt(next.clone(), ResumePosition.encode(topicCheck, next, next.length));
        }
    }

    /**
     * Assigns every partition of the topic. The partitions found at start-up are read from their end;
     * partitions added later from their beginning; after a consumer restart each goes on where it was.
     */
    private void refreshPartitions(Consumer<byte[], byte[]> c) {
        boolean fromEnd = !started;
        List<PartitionInfo> infos;
        try {
            infos = c.partitionsFor(topic, Duration.ofSeconds(10));
        } catch (TimeoutException e) { // Kafka is away: read on as assigned
            log.debug("Could not read the partitions of {}: {}", topic, e.toString());
            return;
        }
        if (infos == null || infos.isEmpty()) {
            if (assigned.isEmpty() && !waitingForTopic) { // said once: the loop looks again every half second
                log.warn(
                        "Topic {} does not exist (yet): streams are refused until it does (notes-service creates it)",
                        topic);
            }
            waitingForTopic = true;
            return;
        }
        if (waitingForTopic) {
            log.info("Topic {} exists now", topic);
            waitingForTopic = false;
        }
        List<TopicPartition> all = new ArrayList<>(infos.size());
        List<TopicPartition> added = new ArrayList<>();
        for (PartitionInfo info : infos) {
            TopicPartition tp = new TopicPartition(topic, info.partition());
            all.add(tp);
            if (!assigned.contains(tp)) {
                added.add(tp);
            }
        }
        if (!added.isEmpty()) {
            c.assign(all);
            assigned.addAll(added);
            int max = all.stream().mapToInt(TopicPartition::partition).max().orElse(-1);
            ensureCapacity(max + 1);
            if (fromEnd) {
                seekBackForFill(c, added);
            }
            for (TopicPartition tp : added) {
                if (!fromEnd && next[tp.partition()] > 0) {
                    c.seek(tp, next[tp.partition()]); // a restarted consumer goes on where it was
                } else if (!fromEnd) {
                    c.seekToBeginning(List.of(tp));
                }
                next[tp.partition()] = c.position(tp);
            }
            log.info("Reading {} partition(s) of {}; {} new", all.size(), topic, added.size());
            if (fromEnd) {
                hub.bufferStartsAt(next.clone());
            }
            started = true;
            if (fillUntil == null) {
                hub.startAt(next.clone(), ResumePosition.encode(topicCheck, next, next.length));
            }
        }
        updateLag(c);
    }

    /**
     * Start-up: each partition is read from its end minus its share of {@code fillEvents} (not before its
     * log start), so the replay buffer holds the latest events before the instance admits streams.
     */
    private void seekBackForFill(Consumer<byte[], byte[]> c, List<TopicPartition> partitions) {
        Map<TopicPartition, Long> ends = c.endOffsets(partitions, Duration.ofSeconds(10));
        if (fillEvents <= 0) {
            ends.forEach(c::seek);
            return;
        }
        Map<TopicPartition, Long> begins = c.beginningOffsets(partitions, Duration.ofSeconds(10));
        long perPartition = Math.max(1, fillEvents / partitions.size());
        Map<TopicPartition, Long> until = new java.util.HashMap<>();
        for (TopicPartition tp : partitions) {
            long end = ends.getOrDefault(tp, 0L);
            long from = Math.max(begins.getOrDefault(tp, 0L), end - perPartition);
            c.seek(tp, from);
            if (from < end) {
                until.put(tp, end);
            }
        }
        if (!until.isEmpty()) {
            fillUntil = until;
            fillDeadlineNanos = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        }
    }

    private void updateLag(Consumer<byte[], byte[]> c) {
        try {
            Map<TopicPartition, Long> ends = c.endOffsets(assigned, Duration.ofSeconds(5));
            long lag = 0;
            for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
                int p = end.getKey().partition();
                lag += Math.max(0, end.getValue() - (p < next.length ? next[p] : 0));
            }
            metrics.consumerLag(lag);
            this.lag = lag;
        } catch (RuntimeException e) {
            if (e instanceof WakeupException || e instanceof InterruptException) {
                throw e;
            }
            log.debug("Could not read end offsets: {}", e.toString());
        }
    }

    private void ensureCapacity(int partitions) {
        if (next.length < partitions) {
            next = Arrays.copyOf(next, partitions);
        }
    }

    private static void sleepQuietly() {
        pause(500);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
