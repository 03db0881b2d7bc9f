package dev.herald.gateway.fanout;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * The in-memory ring of the most recent events, in this instance's consumption order, that resumes
 * are served from first. The consumer thread appends (filled from Kafka at start-up, so a
 * fresh instance can resume clients too); event loops read. A reader always checks the sequence
 * number of what it read, so a slot overwritten meanwhile is noticed, never misread.
 *
 * <p>It is bounded twice: by a count of frames and by their bytes (events may be 64 KiB and more, so a
 * count alone could be gigabytes). Appending past either bound evicts the oldest frames.
 *
 * <p>Which positions it can serve: the ring holds every event from its {@code base} on, where the base
 * is the position the consumer started at while nothing was evicted yet, and after that the position
 * just before the oldest frame still held. A client position at or past the base on every partition is
 * served from here; anything older goes to Kafka.
 *
 * <p>It is indexed by owner: each event frame links to the previous frame of its owner, and the newest
 * frame of every owner it holds is kept, so a user's resume visits only that user's events, however many
 * events of others arrived since its position (a reconnect storm resumes thousands of users at once).
 */
public final class ReplayBuffer {

    /** A position the ring cannot serve. */
    static final long NOT_COVERED = -1;
    /** No frame: the first of its owner in the ring. */
    static final long NO_FRAME = -1;
    /** Frames that may be overwritten while a reader looks for its start are not used as the base. */
    private static final int MARGIN = 8;

    private final int capacity;
    private final long maxBytes;
    private final AtomicReferenceArray<@Nullable Frame> slots;
    private volatile long head;
    /** The oldest sequence number still held (the consumer thread moves it). */
    private volatile long tail;

    private volatile long bytes;
    private volatile long[] start = new long[0];
    /** The newest frame held of each owner (an owner leaves when its newest frame is evicted). */
    private final ConcurrentHashMap<String, Frame> newestByOwner = new ConcurrentHashMap<>();

    /**
     * @param capacity frames held at most
     * @param maxBytes bytes of frames held at most (the newest frame is held whatever its size)
     */
    public ReplayBuffer(int capacity, long maxBytes) {
        this.capacity = Math.max(capacity, MARGIN * 2);
        this.maxBytes = maxBytes;
        this.slots = new AtomicReferenceArray<>(this.capacity);
    }

    /** Where the consumer starts reading (before the first append): the base until the ring wraps. */
    public void startAt(long[] position) {
        start = position.clone();
    }

    /** Appends an event frame (consumer thread), giving it the next sequence number. */
    public void append(Frame frame) {
        long seq = head;
        if (seq - tail >= capacity) {
            evictOldest();
        }
        frame.seq = seq;
        if (frame.isEvent()) {
            Frame previous = newestByOwner.put(frame.owner(), frame);
            frame.previousOfOwner = previous == null ? NO_FRAME : previous.seq;
        }
        slots.set((int) (seq % capacity), frame);
        bytes += frame.length();
        head = seq + 1;
        while (bytes > maxBytes && head - tail > 1) {
            evictOldest();
        }
    }

    private void evictOldest() {
        long t = tail;
        Frame old = slots.getAndSet((int) (t % capacity), null);
        if (old != null) {
            bytes -= old.length();
            newestByOwner.remove(old.owner(), old);
        }
        tail = t + 1;
    }

    /** The sequence number of the oldest frame held (equal to {@link #head()} when empty). */
    long oldest() {
        return tail;
    }

    /** Bytes of the frames held. */
    public long bytes() {
        return bytes;
    }

    /** The next sequence number; the newest frame is {@code head() - 1}. */
    public long head() {
        return head;
    }

    /** Frames held. */
    public int size() {
        return (int) (head - tail);
    }

    /** The frame with sequence number {@code seq}, or null when it was overwritten (or never written). */
    @Nullable
    Frame get(long seq) {
        if (seq < tail) {
            return null;
        }
        Frame frame = slots.get((int) (seq % capacity));
        return frame != null && frame.seq == seq ? frame : null;
    }

    /**
     * The sequence numbers of {@code owner}'s frames from {@code from} to {@code upTo}, oldest first, at
     * most {@code max} of them (the oldest ones); null when one of them was overwritten meanwhile (the ring
     * moved past {@code from}: the caller goes to Kafka).
     */
    long @Nullable [] ofOwner(String owner, long from, long upTo, int max) {
        Frame frame = newestByOwner.get(owner);
        while (frame != null && frame.seq > upTo) {
            frame = previous(frame);
        }
        long[] found = new long[8];
        int count = 0;
        while (frame != null && frame.seq >= from) {
            if (count == found.length) {
                found = java.util.Arrays.copyOf(found, count * 2);
            }
            found[count++] = frame.seq;
            long before = frame.previousOfOwner;
            frame = previous(frame);
            if (frame == null && before >= from) {
                return null;
            }
        }
        int n = Math.min(count, max);
        long[] oldestFirst = new long[n];
        for (int i = 0; i < n; i++) {
            oldestFirst[i] = found[count - 1 - i];
        }
        return oldestFirst;
    }

    private @Nullable Frame previous(Frame frame) {
        return frame.previousOfOwner == NO_FRAME ? null : get(frame.previousOfOwner);
    }

    /**
     * The sequence number to replay from for a client at {@code position}, looking at frames up to
     * {@code upTo}; {@link #NOT_COVERED} when the ring no longer holds everything after that position.
     * Replay from there skips, per partition, the records the client has ({@code offset < position}).
     */
    long startFor(long[] position, long upTo) {
        long h = head;
        long t = tail;
        long oldest = t == 0 ? 0 : t + Math.min(MARGIN, (h - t) / 2);
        if (upTo < oldest) {
            return oldest == 0 && atOrPast(position, start) ? oldest : NOT_COVERED;
        }
        Frame first = get(oldest);
        if (first == null) {
            return NOT_COVERED;
        }
        boolean covered = oldest == 0 ? atOrPast(position, start) : coversFrom(first, position);
        if (!covered) {
            return NOT_COVERED;
        }
        // The largest s in [oldest, upTo] the client is at or past the start of: frames before it are all behind it.
        long lo = oldest;
        long hi = upTo;
        while (lo < hi) {
            long mid = (lo + hi + 1) >>> 1;
            Frame frame = get(mid);
            if (frame == null) {
                return NOT_COVERED;
            }
            if (coversFrom(frame, position)) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /**
     * Whether a client at {@code position} has every record the ring held before {@code frame}: the
     * position before a frame is at most its {@code after} on other partitions and its own offset on
     * its partition.
     */
    static boolean coversFrom(Frame frame, long[] position) {
        long[] after = frame.after();
        for (int p = 0; p < after.length; p++) {
            long needed = p == frame.partition() ? frame.offset() : after[p];
            if (at(position, p) < needed) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code position} is at or past {@code other} on every partition. */
    static boolean atOrPast(long[] position, long[] other) {
        for (int p = 0; p < other.length; p++) {
            if (at(position, p) < other[p]) {
                return false;
            }
        }
        return true;
    }

    /** The larger of two positions on every partition (a new array). */
    static long[] max(long[] a, long[] b) {
        long[] out = new long[Math.max(a.length, b.length)];
        for (int p = 0; p < out.length; p++) {
            out[p] = Math.max(at(a, p), at(b, p));
        }
        return out;
    }

    /** Raises {@code into} to {@code other} on every partition, in place unless it must grow. */
    static long[] maxInto(long[] into, long[] other) {
        long[] out = into.length >= other.length ? into : java.util.Arrays.copyOf(into, other.length);
        for (int p = 0; p < other.length; p++) {
            if (other[p] > out[p]) {
                out[p] = other[p];
            }
        }
        return out;
    }

    static long at(long[] position, int partition) {
        return partition < position.length ? position[partition] : 0;
    }
}
