package dev.herald.gateway;

import dev.herald.contracts.Action;
import dev.herald.contracts.Actor;
import dev.herald.contracts.CloudEventHeaders;
import dev.herald.contracts.NoteData;
import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.ServiceEventCodec;
import dev.herald.contracts.Topics;
import dev.herald.testsupport.HeraldKafka;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;

/** Puts note events (and records that are not events) on the real topic, as notes-service's relay would. */
public final class TestEvents {

    private static final ServiceEventCodec CODEC = new ServiceEventCodec();
    private static volatile @Nullable KafkaProducer<byte[], byte[]> producer;

    private TestEvents() {}

    private static synchronized KafkaProducer<byte[], byte[]> producer() {
        if (producer == null) {
            producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    HeraldKafka.bootstrapServers(),
                    ProducerConfig.ACKS_CONFIG,
                    "all",
                    ProducerConfig.LINGER_MS_CONFIG,
                    0,
                    ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                    1_000_000,
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                    ByteArraySerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                    ByteArraySerializer.class));
        }
        return producer;
    }

    public static ServiceEvent note(String owner, Action action, String content) {
        Instant now = Instant.now();
        UUID noteId = UUID.randomUUID();
        return ServiceEvent.forNote(
                UUID.randomUUID(),
                action,
                new NoteData(noteId, "note of " + owner, content, owner, 1, now, now),
                owner,
                now);
    }

    /**
     * An event on a new note of {@code owner} performed by {@code actor} (an admin editing someone's note,
     * say); a null actor is a system event, which carries no {@code user}. The audience is the owner's.
     */
    public static ServiceEvent note(String owner, @Nullable String actor, Action action, String content) {
        Instant now = Instant.now();
        NoteData note = new NoteData(UUID.randomUUID(), "note of " + owner, content, owner, 1, now, now);
        return new ServiceEvent(
                UUID.randomUUID(),
                action,
                note,
                actor == null ? null : new Actor(actor),
                now,
                ServiceEvent.NOTES,
                note.id().toString(),
                ServiceEvent.SCHEMA_VERSION);
    }

    /** The next save of {@code event}'s note (same note, same content, version {@code version}). */
    public static ServiceEvent update(ServiceEvent event, int version) {
        NoteData note = event.data();
        Instant now = Instant.now();
        return ServiceEvent.forNote(
                UUID.randomUUID(),
                Action.UPDATED,
                new NoteData(note.id(), note.title(), note.content(), note.createdBy(), version, note.createdAt(), now),
                note.createdBy(),
                now);
    }

    /** Publishes an event for a new note of {@code owner} and waits for the broker's acknowledgement. */
    public static ServiceEvent publish(String owner, Action action) {
        return publish(note(owner, action, "hello"));
    }

    public static ServiceEvent publish(ServiceEvent event) {
        return publishTo(Topics.NOTES_EVENTS, event);
    }

    /**
     * Publishes events in one Kafka transaction: a {@code read_committed} consumer sees none of them until
     * the commit, then all at once — a backlog released in one go, as after a broker outage.
     */
    public static void publishAtOnce(List<ServiceEvent> events) {
        try (KafkaProducer<byte[], byte[]> transactional = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                HeraldKafka.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                "test-burst-" + UUID.randomUUID(),
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                1_000_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class))) {
            transactional.initTransactions();
            transactional.beginTransaction();
            for (ServiceEvent event : events) {
                transactional.send(record(Topics.NOTES_EVENTS, event));
            }
            transactional.commitTransaction();
        }
    }

    /** The record notes-service's relay writes: key = note id, the owner and type in CloudEvents headers. */
    public static ProducerRecord<byte[], byte[]> record(String topic, ServiceEvent event) {
        ProducerRecord<byte[], byte[]> record =
                new ProducerRecord<>(topic, event.resourceId().getBytes(StandardCharsets.UTF_8), CODEC.encode(event));
        record.headers().add(CloudEventHeaders.TYPE, event.cloudEventType().getBytes(StandardCharsets.UTF_8));
        record.headers().add(CloudEventHeaders.OWNER, event.owner().getBytes(StandardCharsets.UTF_8));
        return record;
    }

    /** Publishes an event to another topic and waits for the acknowledgement. */
    public static ServiceEvent publishTo(String topic, ServiceEvent event) {
        return publish(record(topic, event), event);
    }

    /** Publishes an event with more headers (trace context, say) and waits for the acknowledgement. */
    public static ServiceEvent publish(ServiceEvent event, Map<String, String> headers) {
        ProducerRecord<byte[], byte[]> record = record(Topics.NOTES_EVENTS, event);
        headers.forEach((name, value) -> record.headers().add(name, value.getBytes(StandardCharsets.UTF_8)));
        return publish(record, event);
    }

    private static ServiceEvent publish(ProducerRecord<byte[], byte[]> record, ServiceEvent event) {
        try {
            producer().send(record).get();
            return event;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Publishes without waiting (for a steady flow); the future completes with the acknowledgement. */
    public static java.util.concurrent.Future<?> publishAsync(ServiceEvent event) {
        return producer().send(record(Topics.NOTES_EVENTS, event));
    }

    /** Publishes {@code event}'s record to one partition of {@code topic} and waits for the acknowledgement. */
    public static ServiceEvent publishTo(String topic, int partition, ServiceEvent event) {
        ProducerRecord<byte[], byte[]> relayed = record(topic, event);
        try {
            producer()
                    .send(new ProducerRecord<>(topic, partition, relayed.key(), relayed.value(), relayed.headers()))
                    .get();
            return event;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Publishes {@code event}'s record (key and headers as the relay writes them) with another value. */
    public static ServiceEvent publishRaw(String topic, ServiceEvent event, byte[] value) {
        ProducerRecord<byte[], byte[]> relayed = record(topic, event);
        ProducerRecord<byte[], byte[]> raw = new ProducerRecord<>(topic, null, relayed.key(), value, relayed.headers());
        try {
            producer().send(raw).get();
            return event;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Publishes a record value that is not (necessarily) a valid event. */
    public static void publishRaw(String key, byte @Nullable [] value) {
        send(key, value);
    }

    private static void send(String key, byte @Nullable [] value) {
        try {
            producer()
                    .send(new ProducerRecord<>(Topics.NOTES_EVENTS, key.getBytes(StandardCharsets.UTF_8), value))
                    .get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}
