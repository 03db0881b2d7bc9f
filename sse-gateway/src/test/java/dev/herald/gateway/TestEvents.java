package dev.herald.gateway;

import dev.herald.contracts.Action;
import dev.herald.contracts.NoteData;
import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.ServiceEventCodec;
import dev.herald.contracts.Topics;
import dev.herald.testsupport.HeraldKafka;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

/** Puts note events (and records that are not events) on the real topic, as notes-service's relay would. */
public final class TestEvents {

    private static final ServiceEventCodec CODEC = new ServiceEventCodec();
    private static volatile @Nullable KafkaProducer<byte[], byte[]> producer;

    private TestEvents() {
    }

    private static synchronized KafkaProducer<byte[], byte[]> producer() {
        if (producer == null) {
            producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, HeraldKafka.bootstrapServers(),
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.LINGER_MS_CONFIG, 0,
                    ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_000_000,
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
        }
        return producer;
    }

    public static ServiceEvent note(String owner, Action action, String content) {
        Instant now = Instant.now();
        UUID noteId = UUID.randomUUID();
        return ServiceEvent.forNote(UUID.randomUUID(), action, new NoteData(noteId, "note of " + owner, content, owner,
                1, now, now), owner, now);
    }

    /** Publishes an event for a new note of {@code owner} and waits for the broker's acknowledgement. */
    public static ServiceEvent publish(String owner, Action action) {
        return publish(note(owner, action, "hello"));
    }

    public static ServiceEvent publish(ServiceEvent event) {
        send(event.resourceId(), CODEC.encode(event));
        return event;
    }

    /** Publishes an event to another topic and waits for the acknowledgement. */
    public static ServiceEvent publishTo(String topic, ServiceEvent event) {
        try {
            producer().send(new ProducerRecord<>(topic, event.resourceId().getBytes(StandardCharsets.UTF_8),
                    CODEC.encode(event))).get();
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
        return producer().send(new ProducerRecord<>(Topics.NOTES_EVENTS,
                event.resourceId().getBytes(StandardCharsets.UTF_8), CODEC.encode(event)));
    }

    /** Publishes a record value that is not (necessarily) a valid event. */
    public static void publishRaw(String key, byte @Nullable [] value) {
        send(key, value);
    }

    private static void send(String key, byte @Nullable [] value) {
        try {
            producer().send(new ProducerRecord<>(Topics.NOTES_EVENTS, key.getBytes(StandardCharsets.UTF_8), value)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}
