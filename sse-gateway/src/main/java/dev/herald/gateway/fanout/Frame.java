package dev.herald.gateway.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Bytes of one SSE frame, built once and shared by every recipient: each write takes a view (own indices,
 * same memory) of an unreleasable buffer, so no recipient copies or frees it. The bytes are laid out as one
 * HTTP/1.1 chunk (size line, the frame, CRLF), so a chunked response writes them as they are, one buffer
 * per frame, without the HTTP encoder framing each write again ({@link #chunk()}); other connections get the
 * frame alone ({@link #slice()}). An event frame also carries what fan-out decides on: the owner (the
 * audience), the event's type bit (for {@code ?types=}) and its timestamp (for end-to-end latency).
 *
 * <p>A frame is built on the heap (most events of a topic have no recipient on a given instance). The first
 * write to a socket moves a frame of up to {@link #MAX_OFF_HEAP} bytes off the heap, once for all its
 * recipients: the socket takes direct memory as it is, where each write of heap bytes would first be copied
 * into a pooled direct buffer of its own. The direct copy is freed with the frame by the garbage collector (no
 * reference counts: a queued frame may outlive its place in the replay buffer); when direct memory is short,
 * the frame stays on the heap.
 */
public final class Frame {

    /** Type bit of frames that are not events (heartbeats, control frames): never filtered out. */
    public static final int ANY_TYPE = 0;

    /** Frames up to this size move off the heap at their first write; larger ones are rare and stay. */
    static final int MAX_OFF_HEAP = 16 * 1024;

    /** On the heap until the first write of a frame of up to {@link #MAX_OFF_HEAP} bytes; then direct. */
    private volatile ByteBuf bytes;

    private final int length;
    private final String owner;
    private final int typeBit;
    private final long eventEpochMicros;
    private final int partition;
    private final long offset;
    private final long[] after;
    /** Place in the {@link ReplayBuffer} (consumption order of this instance); -1 outside it. */
    long seq = -1;
    /** The place in the {@link ReplayBuffer} of the previous event of the same owner; -1 if none. */
    long previousOfOwner = ReplayBuffer.NO_FRAME;

    /**
     * A frame of {@code length} bytes, written into {@code chunk} (from {@link #newChunk}) at
     * {@link #chunkHeaderLength}; the rest as {@link #event}.
     */
    Frame(
            byte[] chunk,
            int length,
            String owner,
            int typeBit,
            long eventEpochMicros,
            int partition,
            long offset,
            long[] after) {
        this.bytes = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(chunk));
        this.length = length;
        this.owner = owner;
        this.typeBit = typeBit;
        this.eventEpochMicros = eventEpochMicros;
        this.partition = partition;
        this.offset = offset;
        this.after = after;
    }

    /**
     * A note event's frame: {@code id}, {@code event} and {@code data} lines, already encoded. The record
     * came from {@code partition} at {@code offset}; {@code after} is the position its id encodes (next
     * offset per partition, not copied: the caller hands it over).
     */
    static Frame event(
            byte[] sseBytes,
            String owner,
            int typeBit,
            long eventEpochMicros,
            int partition,
            long offset,
            long[] after) {
        return new Frame(
                chunkOf(sseBytes), sseBytes.length, owner, typeBit, eventEpochMicros, partition, offset, after);
    }

    /** A frame that is not an event (comment, retry, connected, auth-expired, checkpoint). */
    public static Frame control(String sse) {
        return event(sse.getBytes(StandardCharsets.UTF_8), "", ANY_TYPE, 0, -1, -1, NO_POSITION);
    }

    private static final long[] NO_POSITION = new long[0];
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /**
     * Room for a frame of {@code length} bytes as one HTTP/1.1 chunk: the size line (hex, CRLF) and the
     * closing CRLF are written; the frame goes at {@link #chunkHeaderLength}.
     */
    static byte[] newChunk(int length) {
        if (length <= 0) {
            throw new IllegalArgumentException("a frame is never empty (an empty chunk ends the response)");
        }
        int digits = hexDigits(length);
        byte[] chunk = new byte[digits + 2 + length + 2];
        for (int i = digits - 1, rest = length; i >= 0; i--, rest >>>= 4) {
            chunk[i] = HEX[rest & 0xf];
        }
        chunk[digits] = '\r';
        chunk[digits + 1] = '\n';
        chunk[chunk.length - 2] = '\r';
        chunk[chunk.length - 1] = '\n';
        return chunk;
    }

    /** Where a frame of {@code length} bytes starts in its chunk: after the size line. */
    static int chunkHeaderLength(int length) {
        return hexDigits(length) + 2;
    }

    private static int hexDigits(int length) {
        return Math.max(1, (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 3) / 4);
    }

    private static byte[] chunkOf(byte[] frame) {
        byte[] chunk = newChunk(frame.length);
        System.arraycopy(frame, 0, chunk, chunkHeaderLength(frame.length), frame.length);
        return chunk;
    }

    /**
     * The same event with another {@code id} line: for a stream whose position is ahead of this
     * instance on some partition (it came from an instance further on), so its id never goes back.
     */
    Frame withId(String id, long[] position) {
        int start = chunkHeaderLength(length);
        int end = start + length;
        int rest = bytes.indexOf(start, end, (byte) '\n'); // where the old id line ends
        byte[] idLine = ("id: " + id).getBytes(StandardCharsets.US_ASCII);
        int newLength = idLine.length + end - rest;
        byte[] chunk = newChunk(newLength);
        int at = chunkHeaderLength(newLength);
        System.arraycopy(idLine, 0, chunk, at, idLine.length);
        bytes.getBytes(rest, chunk, at + idLine.length, end - rest);
        return new Frame(chunk, newLength, owner, typeBit, eventEpochMicros, partition, offset, position);
    }

    /** The partition of the event's record (-1 for control frames). */
    public int partition() {
        return partition;
    }

    /** The offset of the event's record (-1 for control frames). */
    public long offset() {
        return offset;
    }

    /** The position after the event: next offset per partition (shared: do not modify). */
    long[] after() {
        return after;
    }

    /** The frame alone, for one write: shares the bytes, owns its indices. */
    ByteBuf slice() {
        return socketBytes().slice(chunkHeaderLength(length), length);
    }

    /** The frame as one HTTP/1.1 chunk (size line, frame, CRLF), for one write to a chunked response. */
    ByteBuf chunk() {
        return socketBytes().duplicate();
    }

    /** Whether the bytes are off the heap (moved by a first write). */
    boolean isOffHeap() {
        return bytes.isDirect();
    }

    /**
     * The bytes for a socket: direct once a first write moved them (event loops may race to move a frame; each
     * copy is whole and equal, and the last one stays).
     */
    private ByteBuf socketBytes() {
        ByteBuf current = bytes;
        if (current.isDirect() || current.capacity() > MAX_OFF_HEAP) {
            return current;
        }
        ByteBuffer direct;
        try {
            direct = ByteBuffer.allocateDirect(current.capacity());
        } catch (OutOfMemoryError directMemoryShort) { // "Cannot reserve ... direct buffer memory": stay on the heap
            return current;
        }
        current.getBytes(0, direct);
        direct.clear();
        ByteBuf moved = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(direct));
        bytes = moved;
        return moved;
    }

    public int length() {
        return length;
    }

    public String owner() {
        return owner;
    }

    public int typeBit() {
        return typeBit;
    }

    /** When the event happened (its timestamp, epoch microseconds); 0 for control frames. */
    public long eventEpochMicros() {
        return eventEpochMicros;
    }

    public boolean isEvent() {
        return typeBit != ANY_TYPE;
    }

    @Override
    public String toString() {
        return bytes.toString(chunkHeaderLength(length), length, StandardCharsets.UTF_8);
    }
}
