package dev.herald.loadgen;

import dev.herald.contracts.CloudEventHeaders;
import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.ServiceEventCodec;
import dev.herald.contracts.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Publishes events the way the notes-service relay does: key note id, ServiceEvent JSON, CloudEvents headers. */
final class KafkaPublisher implements Publisher {

    private final String bootstrapServers;
    private final KafkaProducer<String, byte[]> producer;
    private final ServiceEventCodec codec = new ServiceEventCodec();
    private final AtomicLong errors = new AtomicLong();

    KafkaPublisher(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true,
                        ProducerConfig.LINGER_MS_CONFIG,
                        1,
                        ProducerConfig.CLIENT_ID_CONFIG,
                        "herald-load-generator"),
                new StringSerializer(),
                new ByteArraySerializer());
    }

    @Override
    public void publish(String owner, String content) {
        producer.send(record(owner, content), (metadata, exception) -> {
            if (exception != null) {
                errors.incrementAndGet();
            }
        });
    }

    /**
     * One Kafka transaction: a {@code read_committed} consumer (the gateway) sees none of the events until
     * the commit, then all of them; the moment returned is the commit's.
     */
    @Override
    public long publishAtOnce(List<String> owners, List<String> contents) {
        try (KafkaProducer<String, byte[]> transactional = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                        "herald-load-generator-burst-" + UUID.randomUUID(),
                        ProducerConfig.LINGER_MS_CONFIG,
                        5,
                        ProducerConfig.CLIENT_ID_CONFIG,
                        "herald-load-generator-burst"),
                new StringSerializer(),
                new ByteArraySerializer())) {
            transactional.initTransactions();
            transactional.beginTransaction();
            for (int i = 0; i < owners.size(); i++) {
                transactional.send(record(owners.get(i), contents.get(i)));
            }
            transactional.flush();
            long committed = System.nanoTime();
            transactional.commitTransaction();
            return committed;
        }
    }

    ProducerRecord<String, byte[]> record(String owner, String content) {
        ServiceEvent event = EventFactory.created(owner, content);
        RecordHeaders headers = new RecordHeaders();
        headers.add(CloudEventHeaders.ID, bytes(event.id().toString()));
        headers.add(CloudEventHeaders.TYPE, bytes(event.cloudEventType()));
        headers.add(CloudEventHeaders.SOURCE, bytes("/herald/load-generator"));
        headers.add(CloudEventHeaders.SPEC_VERSION, bytes(CloudEventHeaders.SPEC_VERSION_1_0));
        headers.add(CloudEventHeaders.TIME, bytes(event.timestamp().toString()));
        headers.add(CloudEventHeaders.SUBJECT, bytes(event.resourceId()));
        headers.add(CloudEventHeaders.CONTENT_TYPE, bytes(CloudEventHeaders.JSON));
        headers.add(CloudEventHeaders.OWNER, bytes(event.owner()));
        return new ProducerRecord<>(Topics.NOTES_EVENTS, null, event.resourceId(), codec.encode(event), headers);
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public long errors() {
        return errors.get();
    }

    @Override
    public void close() {
        producer.close();
    }
}
