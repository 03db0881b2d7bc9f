package dev.herald.gateway.kafka;

import dev.herald.contracts.Action;
import dev.herald.contracts.CloudEventHeaders;
import dev.herald.contracts.InvalidEventException;
import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.ServiceEventCodec;
import dev.herald.gateway.fanout.Frame;
import dev.herald.gateway.fanout.SseFormat;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;

/**
 * The one path from a Kafka record to an SSE frame, for the live consumer and the replay readers alike:
 * decode and validate the value once, keep its bytes as the {@code data} line when they are one line (else
 * the codec's re-encoding, so CR and LF never reach the stream), id = the position after the record.
 * Also reads the audience of a record from its headers without decoding the value, so a replay skips
 * other users' records cheaply.
 */
final class EventFrames {

    private static final byte[][] TYPE_HEADERS = new byte[Action.values().length][];

    static {
        for (Action action : Action.values()) {
            TYPE_HEADERS[action.ordinal()] =
                    (ServiceEvent.NOTES + "." + action.wireName()).getBytes(StandardCharsets.UTF_8);
        }
    }

    private final ServiceEventCodec codec = new ServiceEventCodec();

    /**
     * The event a record holds.
     *
     * @throws InvalidEventException when the value is not a valid event
     */
    ServiceEvent decode(ConsumerRecord<byte[], byte[]> record) {
        byte[] value = record.value();
        if (value == null) {
            throw new InvalidEventException("", "null record value");
        }
        return codec.decode(value);
    }

    /** The frame of a record's {@code event}: id {@code position}, the encoding of {@code after} (handed over). */
    Frame frame(ConsumerRecord<byte[], byte[]> record, ServiceEvent event, String position, long[] after) {
        byte[] value = record.value();
        byte[] json = value != null && !SseFormat.hasLineBreak(value) ? value : codec.encode(event);
        return SseFormat.eventFrame(event, json, position, record.partition(), record.offset(), after);
    }

    /** The owner the record's {@code ce_owner} header names, as bytes; null when it has none. */
    static byte @Nullable [] ownerHeader(ConsumerRecord<byte[], byte[]> record) {
        Header owner = record.headers().lastHeader(CloudEventHeaders.OWNER);
        return owner == null ? null : owner.value();
    }

    /** The type bit of the record's {@code ce_type} header; 0 when it has none or an unknown one. */
    static int typeBitOf(ConsumerRecord<byte[], byte[]> record) {
        Header type = record.headers().lastHeader(CloudEventHeaders.TYPE);
        if (type == null) {
            return 0;
        }
        for (Action action : Action.values()) {
            if (Arrays.equals(type.value(), TYPE_HEADERS[action.ordinal()])) {
                return SseFormat.typeBit(action);
            }
        }
        return 0;
    }
}
