package dev.herald.loadgen;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Measures the Kafka hop alone: a consumer reading every partition of the topic (like the gateway: manual
 * assignment, from the end, read_committed) records, per measured record, the time from its intended send
 * to its arrival here. Subtracting this from the end-to-end figures isolates the gateway's share.
 */
final class KafkaHopProbe implements Runnable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final long runId;
    private final long[] marker = new long[5];
    final Histogram histogram = new Histogram(3_600_000_000L, 3);
    private volatile boolean running = true;

    KafkaHopProbe(String bootstrapServers, String topic, long runId) {
        this.runId = runId;
        this.consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(PartitionInfo::partition)
                .map(p -> new TopicPartition(topic, p))
                .toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
    }

    void stop() {
        running = false;
        consumer.wakeup();
    }

    @Override
    public void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    long now = System.nanoTime();
                    byte[] value = record.value();
                    if (Marker.find(value, 0, value.length, marker)
                            && marker[0] == runId
                            && marker[2] != Marker.WARMUP) {
                        histogram.recordValue(Math.min(3_600_000_000L, Math.max(0, (now - marker[4]) / 1000)));
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // stopping
        } finally {
            consumer.close();
        }
    }
}
