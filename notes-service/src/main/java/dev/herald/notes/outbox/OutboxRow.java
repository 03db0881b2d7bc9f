package dev.herald.notes.outbox;

import dev.herald.contracts.CloudEventHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jspecify.annotations.Nullable;

/**
 * One pending event as the relay reads it. {@code payload} is the ServiceEvent JSON, sent as is; {@code owner}
 * the note's owner (null for rows written before the column existed); {@code traceparent} and {@code tracestate}
 * the W3C trace context of the write (null when it was not traced, tracestate also when empty).
 */
record OutboxRow(
        long id,
        UUID eventId,
        UUID noteId,
        String eventType,
        Instant occurredAt,
        byte[] payload,
        @Nullable String owner,
        @Nullable String traceparent,
        @Nullable String tracestate) {

    /** The CloudEvents source of every record notes-service publishes. */
    static final String SOURCE = "/notes-service";

    /**
     * Key = note id (one note's events stay in one partition, in order); CloudEvents binary-mode headers, with
     * the distributed-tracing extension when the write was traced.
     */
    ProducerRecord<String, byte[]> toRecord(String topic) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(CloudEventHeaders.ID, utf8(eventId.toString()));
        headers.add(CloudEventHeaders.TYPE, utf8(eventType));
        headers.add(CloudEventHeaders.SOURCE, utf8(SOURCE));
        headers.add(CloudEventHeaders.SPEC_VERSION, utf8(CloudEventHeaders.SPEC_VERSION_1_0));
        headers.add(CloudEventHeaders.TIME, utf8(occurredAt.toString()));
        headers.add(CloudEventHeaders.SUBJECT, utf8(noteId.toString()));
        headers.add(CloudEventHeaders.CONTENT_TYPE, utf8(CloudEventHeaders.JSON));
        if (owner != null) {
            headers.add(CloudEventHeaders.OWNER, utf8(owner));
        }
        if (traceparent != null) {
            headers.add(CloudEventHeaders.TRACEPARENT, utf8(traceparent));
            if (tracestate != null && !tracestate.isEmpty()) {
                headers.add(CloudEventHeaders.TRACESTATE, utf8(tracestate));
            }
        }
        return new ProducerRecord<>(topic, null, noteId.toString(), payload, headers);
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
