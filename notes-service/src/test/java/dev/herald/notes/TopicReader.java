package dev.herald.notes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;

/**
 * Reads a whole topic from the beginning, every partition, as a downstream consumer would
 * ({@code read_committed}); it waits for the topic to exist. {@link #uncommitted} reads what is in the log,
 * aborted and open transactions included, to show what a {@code read_committed} reader is spared.
 */
public final class TopicReader implements AutoCloseable {

    private final KafkaConsumer<String, byte[]> consumer;
    private final String topic;
    private boolean assigned;
    private final List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();

    public TopicReader(String bootstrapServers, String topic) {
        this(bootstrapServers, topic, "read_committed");
    }

    public static TopicReader uncommitted(String bootstrapServers, String topic) {
        return new TopicReader(bootstrapServers, topic, "read_uncommitted");
    }

    private TopicReader(String bootstrapServers, String topic, String isolation) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                isolation,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class));
        this.topic = topic;
    }

    /** Polls once more and returns everything read so far, in the order read. */
    public List<ConsumerRecord<String, byte[]>> poll() {
        if (!assigned) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(2)).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            if (partitions.isEmpty()) {
                return List.copyOf(records);
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            assigned = true;
        }
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        return List.copyOf(records);
    }

    /**
     * Polls until every partition is read up to its end as of now (for {@code read_committed}: its last stable
     * offset), so a check that something is absent looks at the whole topic, not just at the partitions read so far.
     */
    public List<ConsumerRecord<String, byte[]>> readToEnd() {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            poll();
            return assigned;
        });
        Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment());
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            poll();
            return ends.entrySet().stream().allMatch(end -> consumer.position(end.getKey()) >= end.getValue());
        });
        return List.copyOf(records);
    }

    public List<ConsumerRecord<String, byte[]>> all() {
        return List.copyOf(records);
    }

    @Override
    public void close() {
        consumer.close(Duration.ZERO);
    }

    public static String header(ConsumerRecord<?, ?> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), java.nio.charset.StandardCharsets.UTF_8);
    }
}
