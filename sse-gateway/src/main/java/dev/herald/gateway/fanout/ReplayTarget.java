package dev.herald.gateway.fanout;

import java.util.List;

/**
 * A stream catching up from Kafka, as a {@link Replayer} sees it. The reader calls it from its own
 * thread; every call hops to the stream's event loop.
 */
public interface ReplayTarget {

    /** Where the client stands: the next offset per partition it has not seen (a copy). */
    long[] from();

    /** Most bytes of frames to hand over in one {@link #deliver}. */
    long roomBytes();

    /** The user the stream is for: a user holds one Kafka read at a time. */
    String userId();

    boolean isOpen();

    /** Whether an event of {@code owner} with this type bit belongs on the stream (audience and {@code ?types=}). */
    boolean wants(String owner, int typeBit);

    /** Encodes a position as an SSE id of this topic. */
    String encode(long[] position);

    /**
     * Frames read (only those the stream wants, ids already set), and the position everything before
     * which has been read. The stream goes on from there (memory if it can, else another read); when no
     * frame was for it, its id still moves to that position.
     */
    void deliver(List<Frame> frames, long[] position);

    /** The position cannot be served: older than the topic's retention, or past its end. */
    void reset(ResetReason reason);

    /** Kafka could not be read now; the stream tries again shortly. */
    void failed();
}
