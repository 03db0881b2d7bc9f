package dev.herald.gateway.kafka;

import dev.herald.contracts.InvalidEventException;
import dev.herald.contracts.ServiceEvent;
import dev.herald.gateway.fanout.Frame;
import dev.herald.gateway.fanout.ReplayTarget;
import dev.herald.gateway.fanout.Replayer;
import dev.herald.gateway.fanout.ResetReason;
import dev.herald.gateway.fanout.SseFormat;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounded pool of Kafka readers that serves resumes the replay buffer cannot: a fixed number of
 * threads, each with its own consumer (manual assignment, {@code read_committed}), and a bounded queue of
 * streams waiting for one. One task reads one chunk for one stream, from the stream's position, and hands
 * it over; the stream then goes on from memory, or queues again behind the others. A chunk ends at the
 * partitions' current ends, or after {@link ChunkBounds bounded} bytes handed, records scanned or time, so
 * a resume far behind (a user whose events are rare among a million others') never holds a reader long.
 * A user holds one read at a time. Records of other users are skipped by their {@code ce_owner} header,
 * without decoding. A position below a partition's log start (older than retention) or past its end is
 * answered with a reset.
 */
public final class KafkaReplayer implements Replayer, AutoCloseable {

    /**
     * @param records records one chunk scans at most
     * @param time    how long one chunk reads at most
     */
    public record ChunkBounds(int records, Duration time) {}

    private static final Logger log = LoggerFactory.getLogger(KafkaReplayer.class);
    private static final Duration POLL = Duration.ofMillis(100);
    /** A chunk that reads no record this many polls in a row has reached the ends it can see. */
    private static final int EMPTY_POLLS_AT_END = 3;

    private final Supplier<Consumer<byte[], byte[]>> consumers;
    private final String topic;
    private final ChunkBounds bounds;
    private final ThreadPoolExecutor pool;
    private final Set<String> busyUsers = ConcurrentHashMap.newKeySet();
    private final ThreadLocal<@Nullable Consumer<byte[], byte[]>> consumer = new ThreadLocal<>();
    private final EventFrames frames = new EventFrames();

    public KafkaReplayer(
            Supplier<Consumer<byte[], byte[]>> consumers, String topic, int readers, int queue, ChunkBounds bounds) {
        this.consumers = consumers;
        this.topic = topic;
        this.bounds = bounds;
        AtomicInteger ids = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(
                readers,
                readers,
                0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(Math.max(1, queue)),
                task -> Thread.ofPlatform()
                        .daemon()
                        .name("herald-replay-" + ids.incrementAndGet())
                        .unstarted(() -> {
                            try {
                                task.run();
                            } finally {
                                closeConsumer();
                            }
                        }));
    }

    @Override
    public boolean submit(ReplayTarget target) {
        String user = target.userId();
        if (!busyUsers.add(user)) {
            return false;
        }
        try {
            pool.execute(() -> replay(target));
            return true;
        } catch (RejectedExecutionException e) {
            busyUsers.remove(user);
            return false;
        }
    }

    /** Reads one chunk; the user's next read may queue before the stream is told (it queues right away). */
    private void replay(ReplayTarget target) {
        Runnable outcome = target::failed;
        try {
            outcome = target.isOpen() ? readChunk(target) : () -> {};
        } catch (RuntimeException e) {
            log.warn("Replay from Kafka failed ({}); the stream tries again", e.toString());
            closeConsumer();
        } finally {
            busyUsers.remove(target.userId());
            outcome.run();
        }
    }

    private Runnable readChunk(ReplayTarget target) {
        Consumer<byte[], byte[]> c = consumer();
        List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(10));
        List<TopicPartition> partitions = new ArrayList<>(infos.size());
        int count = 0;
        for (PartitionInfo info : infos) {
            partitions.add(new TopicPartition(topic, info.partition()));
            count = Math.max(count, info.partition() + 1);
        }
        long[] position = target.from();
        if (position.length < count) {
            position = Arrays.copyOf(position, count);
        }
        c.assign(partitions);
        Map<TopicPartition, Long> begins = c.beginningOffsets(partitions, Duration.ofSeconds(10));
        Map<TopicPartition, Long> ends = c.endOffsets(partitions, Duration.ofSeconds(10));
        for (TopicPartition tp : partitions) {
            long at = position[tp.partition()];
            if (at < begins.getOrDefault(tp, 0L)) {
                return () -> target.reset(ResetReason.EXPIRED);
            }
            if (at > ends.getOrDefault(tp, 0L)) {
                return () -> target.reset(ResetReason.UNREADABLE);
            }
            c.seek(tp, at);
        }
        List<Frame> out = new ArrayList<>();
        long room = target.roomBytes();
        long bytes = 0;
        int scanned = 0;
        int empty = 0;
        long deadline = System.nanoTime() + bounds.time().toNanos();
        reading:
        while (empty < EMPTY_POLLS_AT_END && !reachedEnds(c, partitions, ends)) {
            ConsumerRecords<byte[], byte[]> records = c.poll(POLL);
            if (records.isEmpty()) {
                empty++;
                continue;
            }
            empty = 0;
            for (ConsumerRecord<byte[], byte[]> record : records) {
                position[record.partition()] = record.offset() + 1;
                scanned++;
                Frame frame = frame(record, position, target);
                if (frame != null) {
                    out.add(frame);
                    bytes += frame.length();
                }
                if (bytes >= room || scanned >= bounds.records() || System.nanoTime() - deadline >= 0) {
                    break reading; // the position stands right after this record
                }
            }
            for (TopicPartition tp : partitions) { // past transaction markers: nothing unread below
                position[tp.partition()] = Math.max(position[tp.partition()], c.position(tp));
            }
            if (!target.isOpen()) {
                return () -> {};
            }
        }
        long[] read = position;
        return () -> target.deliver(out, read);
    }

    private static boolean reachedEnds(
            Consumer<byte[], byte[]> c, List<TopicPartition> partitions, Map<TopicPartition, Long> ends) {
        for (TopicPartition tp : partitions) {
            if (c.position(tp) < ends.getOrDefault(tp, 0L)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The frame of a record the stream may see, its id the position after it; null otherwise. A record
     * whose headers name another owner is skipped without decoding; the decoded value decides the rest.
     */
    private @Nullable Frame frame(ConsumerRecord<byte[], byte[]> record, long[] position, ReplayTarget target) {
        byte[] owner = EventFrames.ownerHeader(record);
        int typeBit = EventFrames.typeBitOf(record);
        if (owner != null && typeBit != 0 && !target.wants(new String(owner, StandardCharsets.UTF_8), typeBit)) {
            return null;
        }
        ServiceEvent event;
        try {
            event = frames.decode(record);
        } catch (InvalidEventException e) {
            return null; // counted when the live consumer read it
        }
        if (!target.wants(event.owner(), SseFormat.typeBit(event.action()))) {
            return null;
        }
        long[] after = position.clone();
        return frames.frame(record, event, target.encode(after), after);
    }

    private Consumer<byte[], byte[]> consumer() {
        Consumer<byte[], byte[]> c = consumer.get();
        if (c == null) {
            c = consumers.get();
            consumer.set(c);
        }
        return c;
    }

    private void closeConsumer() {
        Consumer<byte[], byte[]> c = consumer.get();
        if (c != null) {
            consumer.remove();
            try {
                c.close();
            } catch (RuntimeException e) {
                log.debug("Closing a replay consumer: {}", e.toString());
            }
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
