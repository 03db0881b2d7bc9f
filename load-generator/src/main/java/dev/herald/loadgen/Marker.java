package dev.herald.loadgen;

import java.nio.charset.StandardCharsets;

/**
 * What the generator writes into each event (the note's content) so any receiver can tell which run,
 * phase and event it is and when it was meant to be sent: {@code hb:<run>:<phase>:<part>:<seq>:<nanos>:}.
 * {@code nanos} is the intended send time on {@link System#nanoTime()}, which is CLOCK_MONOTONIC and so
 * comparable across processes on one host. {@code part} is {@link #WARMUP}, {@link #MEASURED} or {@link #TAIL}.
 */
final class Marker {

    static final int WARMUP = 0;
    static final int MEASURED = 1;
    /** Measured, and in the last quarter of its phase: shows whether delivery falls behind over time. */
    static final int TAIL = 2;

    private static final byte[] PREFIX = "hb:".getBytes(StandardCharsets.US_ASCII);
    private static final int FIELDS = 5;

    private Marker() {}

    static String content(long run, int phase, int part, long seq, long intendedNanos) {
        return "hb:" + run + ':' + phase + ':' + part + ':' + seq + ':' + intendedNanos + ':';
    }

    /**
     * Finds a marker in {@code bytes[from, to)} and writes run, phase, part, seq, nanos into {@code out}.
     *
     * @return whether a complete marker was found
     */
    static boolean find(byte[] bytes, int from, int to, long[] out) {
        int start = indexOf(bytes, from, to);
        if (start < 0) {
            return false;
        }
        int i = start + PREFIX.length;
        for (int field = 0; field < FIELDS; field++) {
            boolean negative = i < to && bytes[i] == '-';
            if (negative) {
                i++;
            }
            int digitsFrom = i;
            long value = 0;
            while (i < to && bytes[i] >= '0' && bytes[i] <= '9') {
                value = value * 10 + (bytes[i] - '0');
                i++;
            }
            if (i == digitsFrom || i >= to || bytes[i] != ':') {
                return false;
            }
            out[field] = negative ? -value : value;
            i++;
        }
        return true;
    }

    private static int indexOf(byte[] bytes, int from, int to) {
        outer:
        for (int i = from; i <= to - PREFIX.length; i++) {
            for (int j = 0; j < PREFIX.length; j++) {
                if (bytes[i + j] != PREFIX[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
