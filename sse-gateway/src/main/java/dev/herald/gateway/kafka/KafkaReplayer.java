package dev.herald.gateway.kafka;

import dev.herald.contracts.InvalidEventException;
import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.ServiceEventCodec;
import dev.herald.gateway.fanout.Frame;
import dev.herald.gateway.fanout.ReplayTarget;
import dev.herald.gateway.fanout.Replayer;
import dev.herald.gateway.fanout.SseFormat;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The bounded pool of Kafka readers that serves resumes the replay buffer cannot (DESIGN §5): a fixed
 * number of threads, each with its own consumer (manual assignment, {@code read_committed}), and a
 * bounded queue of streams waiting for one. One task reads one chunk for one stream — from the
 * stream's position to the partitions' current ends, at most what its queue has room for — and hands
 * it over; the stream then goes on from memory, or queues again. A position below a partition's log
 * start (older than retention) or past its end is answered with a reset.
 */
public final class KafkaReplayer implements Replayer, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaReplayer.class);
    private static final Duration POLL = Duration.ofMillis(200);
    /** A chunk that reads no record for this long has reached the ends it can see. */
    private static final int EMPTY_POLLS_AT_END = 3;

    private final Supplier<Consumer<byte[], byte[]>> consumers;
    private final String topic;
    private final ThreadPoolExecutor pool;
    private final ThreadLocal<@Nullable Consumer<byte[], byte[]>> consumer = new ThreadLocal<>();
    private final ServiceEventCodec codec = new ServiceEventCodec();

    public KafkaReplayer(Supplier<Consumer<byte[], byte[]>> consumers, String topic, int readers, int queue) {
        this.consumers = consumers;
        this.topic = topic;
        AtomicInteger ids = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(readers, readers, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(Math.max(1, queue)),
                task -> Thread.ofPlatform().daemon().name("herald-replay-" + ids.incrementAndGet())
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
        try {
            pool.execute(() -> replay(target));
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private void replay(ReplayTarget target) {
        if (!target.isOpen()) {
            return;
        }
        try {
            readChunk(target);
        } catch (RuntimeException e) {
            log.warn("Replay from Kafka failed ({}); the stream tries again", e.toString());
            closeConsumer();
            target.failed();
        }
    }

    private void readChunk(ReplayTarget target) {
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
                target.reset("expired");
                return;
            }
            if (at > ends.getOrDefault(tp, 0L)) {
                target.reset("unreadable");
                return;
            }
            c.seek(tp, at);
        }
        List<Frame> frames = new ArrayList<>();
        int room = target.room();
        int empty = 0;
        while (frames.size() < room && empty < EMPTY_POLLS_AT_END && !reachedEnds(c, partitions, ends)) {
            ConsumerRecords<byte[], byte[]> records = c.poll(POLL);
            if (records.isEmpty()) {
                empty++;
                continue;
            }
            empty = 0;
            for (ConsumerRecord<byte[], byte[]> record : records) {
                position[record.partition()] = record.offset() + 1;
                Frame frame = frame(record, position, target);
                if (frame != null) {
                    frames.add(frame);
                }
            }
            for (TopicPartition tp : partitions) { // past transaction markers: nothing unread below
                position[tp.partition()] = Math.max(position[tp.partition()], c.position(tp));
            }
            if (!target.isOpen()) {
                return;
            }
        }
        target.deliver(frames, position);
    }

    private static boolean reachedEnds(Consumer<byte[], byte[]> c, List<TopicPartition> partitions,
                                       Map<TopicPartition, Long> ends) {
        for (TopicPartition tp : partitions) {
            if (c.position(tp) < ends.getOrDefault(tp, 0L)) {
                return false;
            }
        }
        return true;
    }

    /** The frame of a record the stream may see, its id the position after it; null otherwise. */
    private @Nullable Frame frame(ConsumerRecord<byte[], byte[]> record, long[] position, ReplayTarget target) {
        byte[] value = record.value();
        if (value == null) {
            return null;
        }
        ServiceEvent event;
        try {
            event = codec.decode(value);
        } catch (InvalidEventException e) {
            return null; // counted when the live consumer read it
        }
        if (!target.wants(event.owner(), SseFormat.typeBit(event.action()))) {
            return null;
        }
        byte[] json = SseFormat.hasLineBreak(value) ? codec.encode(event) : value;
        long[] after = position.clone();
        return SseFormat.eventFrame(event, json, target.encode(after), record.partition(), record.offset(), after);
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

    /** Streams waiting for a reader. */
    public int queued() {
        return pool.getQueue().size();
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
