package dev.herald.gateway.resume;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.CRC32;

/**
 * Where a stream stands in the topic: for every partition, the offset of the next record it has not
 * seen. It is the SSE {@code id} of each event (the instance's position <em>after</em> that event), so
 * any instance that reads the same topic can resume a client from it.
 *
 * <p>Wire form (base64url, no padding) of: a format byte ({@value #FORMAT}), three bytes of the CRC-32 of
 * the topic name (a position from another topic is refused), the partition count as an unsigned varint,
 * then each partition's next offset as an unsigned varint. Three partitions at offsets near a million
 * encode in 19 characters. A partition beyond the encoded count (added to the topic later) stands at 0.
 */
public final class ResumePosition {

    static final int FORMAT = 1;
    /** Far more partitions than any topic here has; bounds what a hostile id can make us allocate. */
    static final int MAX_PARTITIONS = 4096;
    /** The longest id {@link #decode} reads at all. */
    static final int MAX_ENCODED_LENGTH = 8 + MAX_PARTITIONS * 13;

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final long[] nextOffsets;

    private ResumePosition(long[] nextOffsets) {
        this.nextOffsets = nextOffsets;
    }

    /** A position from each partition's next offset, index = partition number. The array is copied. */
    public static ResumePosition of(long... nextOffsets) {
        if (nextOffsets.length > MAX_PARTITIONS) {
            throw new IllegalArgumentException("at most " + MAX_PARTITIONS + " partitions");
        }
        for (long offset : nextOffsets) {
            if (offset < 0) {
                throw new IllegalArgumentException("offsets are never negative: " + offset);
            }
        }
        return new ResumePosition(nextOffsets.clone());
    }

    public int partitionCount() {
        return nextOffsets.length;
    }

    /** The next offset not yet seen in {@code partition}; 0 for a partition this position does not know. */
    public long nextOffset(int partition) {
        return partition < nextOffsets.length ? nextOffsets[partition] : 0;
    }

    /** Whether the record at {@code offset} in {@code partition} is already behind this position. */
    public boolean includes(int partition, long offset) {
        return offset < nextOffset(partition);
    }

    /** The next offsets, index = partition (a copy). */
    public long[] nextOffsets() {
        return nextOffsets.clone();
    }

    /** The SSE id of this position in {@code topic}: URL-safe, never CR or LF, no {@code :} or spaces. */
    public String encode(String topic) {
        return encode(topicCheck(topic), nextOffsets, nextOffsets.length);
    }

    /**
     * Encodes the first {@code count} entries of {@code nextOffsets} without copying them: the consumer
     * thread calls this once per event. {@code topicCheck} comes from {@link #topicCheck(String)}.
     */
    public static String encode(int topicCheck, long[] nextOffsets, int count) {
        byte[] out = new byte[4 + 5 + count * 10];
        int at = 0;
        out[at++] = FORMAT;
        out[at++] = (byte) (topicCheck >>> 16);
        out[at++] = (byte) (topicCheck >>> 8);
        out[at++] = (byte) topicCheck;
        at = writeVarint(out, at, count);
        for (int i = 0; i < count; i++) {
            at = writeVarint(out, at, nextOffsets[i]);
        }
        return ENCODER.encodeToString(Arrays.copyOf(out, at));
    }

    /**
     * Reads an id written by {@link #encode(String)} for {@code topic}.
     *
     * @throws InvalidPositionException when the id is not a position, or a position in another topic
     */
    public static ResumePosition decode(String topic, String encoded) {
        if (encoded.isEmpty() || encoded.length() > MAX_ENCODED_LENGTH) {
            throw new InvalidPositionException(InvalidPositionException.Reason.UNREADABLE, "empty or too long");
        }
        byte[] in;
        try {
            in = DECODER.decode(encoded.getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new InvalidPositionException(InvalidPositionException.Reason.UNREADABLE, "not base64url");
        }
        if (in.length < 5 || in[0] != FORMAT) {
            throw new InvalidPositionException(InvalidPositionException.Reason.UNREADABLE, "unknown format");
        }
        int check = (in[1] & 0xff) << 16 | (in[2] & 0xff) << 8 | (in[3] & 0xff);
        if (check != topicCheck(topic)) {
            throw new InvalidPositionException(
                    InvalidPositionException.Reason.FOREIGN_TOPIC, "position belongs to another topic");
        }
        int[] at = {4};
        long count = readVarint(in, at);
        if (count > MAX_PARTITIONS) {
            throw new InvalidPositionException(InvalidPositionException.Reason.UNREADABLE, "too many partitions");
        }
        long[] offsets = new long[(int) count];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = readVarint(in, at);
        }
        if (at[0] != in.length) {
            throw new InvalidPositionException(InvalidPositionException.Reason.UNREADABLE, "trailing bytes");
        }
        return new ResumePosition(offsets);
    }

    /** 24 bits of the CRC-32 of the topic name. */
    public static int topicCheck(String topic) {
        CRC32 crc = new CRC32();
        crc.update(topic.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() & 0xffffff);
    }

    private static int writeVarint(byte[] out, int at, long value) {
        long v = value;
        while ((v & ~0x7fL) != 0) {
            out[at++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out[at++] = (byte) v;
        return at;
    }

    private static long readVarint(byte[] in, int[] at) {
        long value = 0;
        for (int shift = 0; shift < 63; shift += 7) {
            if (at[0] >= in.length) {
                throw new InvalidPositionException(InvalidPositionException.Reason.UNREADABLE, "truncated");
            }
            byte b = in[at[0]++];
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new InvalidPositionException(InvalidPositionException.Reason.UNREADABLE, "offset too large");
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ResumePosition that && Arrays.equals(nextOffsets, that.nextOffsets);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(nextOffsets);
    }

    @Override
    public String toString() {
        return "ResumePosition" + Arrays.toString(nextOffsets);
    }
}
