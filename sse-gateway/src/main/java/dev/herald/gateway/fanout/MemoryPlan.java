package dev.herald.gateway.fanout;

import dev.herald.contracts.ServiceEvent;
import dev.herald.gateway.GatewayProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the gateway's buffers may hold, in bytes, against the heap: the replay ring, the Kafka fetches
 * of the live consumer and of every replay reader (each fetch is held once as read and once decoded), and
 * the replay chunks. Streams hold the ring's frames by reference; what Netty holds per socket is bounded by
 * the flow budget and lives off the heap; so do ring frames of up to {@link Frame#MAX_OFF_HEAP} bytes once written
 * (the same bytes, moved: within the ring's budget). {@link #check} refuses a configuration that cannot deliver the
 * largest event the contract allows, or whose buffers do not fit the heap with room to spare.
 *
 * @param ringBytes    the replay ring's byte budget
 * @param fetchBytes   the Kafka fetches of all consumers together, read and decoded
 * @param maxHeapBytes the JVM's maximum heap
 * @param largestEvent the largest event the contract allows
 * @param chunkBytes   bytes a resuming stream is handed at a time
 */
record MemoryPlan(long ringBytes, long fetchBytes, long maxHeapBytes, long largestEvent, long chunkBytes) {

    private static final Logger log = LoggerFactory.getLogger(MemoryPlan.class);
    /** The ring holds at least this many of the largest events, so a burst of them can still be resumed. */
    static final int LARGEST_EVENTS_IN_RING = 16;
    /** The buffers together take at most this share of the heap; the rest is for streams and the JVM. */
    static final double HEAP_SHARE = 0.6;

    static MemoryPlan of(GatewayProperties properties, long maxHeapBytes) {
        GatewayProperties.Resume resume = properties.resume();
        long fetch = properties.kafka().fetchMaxBytes().toBytes();
        long fetchBytes = 2 * fetch * (1 + resume.replayReaders());
        return new MemoryPlan(
                resume.ringBudget(maxHeapBytes),
                fetchBytes,
                maxHeapBytes,
                ServiceEvent.MAX_ENCODED_BYTES,
                resume.chunkBytes().toBytes());
    }

    void check() {
        if (ringBytes < LARGEST_EVENTS_IN_RING * largestEvent) {
            throw new IllegalStateException(
                    "herald.gateway.resume.ring-bytes (" + ringBytes + " bytes) must hold at least "
                            + LARGEST_EVENTS_IN_RING + " of the largest events the contract allows (" + largestEvent
                            + " bytes each): raise it, its heap share, or the heap (-Xmx)");
        }
        long total = ringBytes + fetchBytes;
        if (total > HEAP_SHARE * maxHeapBytes) {
            throw new IllegalStateException("the gateway's buffers (replay ring " + ringBytes + " bytes, Kafka fetches "
                    + fetchBytes + " bytes) need more than " + (int) (HEAP_SHARE * 100) + "% of the heap ("
                    + maxHeapBytes
                    + " bytes): lower herald.gateway.resume.ring-bytes, herald.gateway.kafka.fetch-max-bytes"
                    + " or herald.gateway.resume.replay-readers, or raise the heap (-Xmx)");
        }
        log.info(
                "Memory plan: replay ring {} MiB, Kafka fetches {} MiB, of a {} MiB heap; largest event {} KiB, "
                        + "replay chunks {} KiB",
                ringBytes >> 20,
                fetchBytes >> 20,
                maxHeapBytes >> 20,
                largestEvent >> 10,
                chunkBytes >> 10);
    }
}
