package dev.herald.notes.outbox;

import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.ServiceEventCodec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What docs/outbox.md lets a consumer see: each note's events in order, and a repeat (after a crash or a leader
 * change) only as the very same event again. A repeat that differs from the first occurrence fails here.
 */
final class PerNoteOrder {

    private static final ServiceEventCodec CODEC = new ServiceEventCodec();

    private PerNoteOrder() {}

    /** Each note's versions in read order, counting each event id once (its first occurrence). */
    static Map<String, List<Long>> firstOccurrenceVersions(List<ConsumerRecord<String, byte[]>> records) {
        Map<UUID, byte[]> seen = new HashMap<>();
        Map<String, List<Long>> versions = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            ServiceEvent event = CODEC.decode(record.value());
            if (!event.data().id().toString().equals(record.key())) {
                throw new AssertionError("event " + event.id() + " is keyed " + record.key() + ", not by its note");
            }
            byte[] first = seen.putIfAbsent(event.id(), record.value());
            if (first == null) {
                versions.computeIfAbsent(record.key(), note -> new ArrayList<>())
                        .add(event.data().version());
            } else if (!Arrays.equals(first, record.value())) {
                throw new AssertionError("event " + event.id() + " was read twice with different contents");
            }
        }
        return versions;
    }

    /** 0, 1, …, last: what a note updated {@code last} times must show, each version once, rising. */
    static List<Long> upTo(long last) {
        return java.util.stream.LongStream.rangeClosed(0, last).boxed().toList();
    }
}
