package dev.herald.loadgen;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Decodes one HTTP/1.1 response carrying an event stream, incrementally and with as little work as
 * possible: status line and headers, then the body (de-chunked when {@code Transfer-Encoding: chunked}),
 * cut into SSE lines. It keeps the last {@code id:} and the last {@code retry:} (the reconnection delay an
 * EventSource would use) and reports each dispatched event whose {@code data:} carries a {@link Marker};
 * comments and {@code event:} lines are skipped.
 */
final class SseStreamDecoder {

    interface Listener {
        /** The response status, once the headers are complete. */
        void onStatus(int status);

        /** An event with a marker: {@code marker} holds run, phase, part, seq, intended nanos. */
        void onEvent(@Nullable String lastEventId, long[] marker);
    }

    private static final int MAX_LINE = 64 * 1024;

    private enum Phase {
        HEADERS,
        CHUNK_SIZE,
        CHUNK_EXTENSION,
        CHUNK_DATA,
        CHUNK_END,
        BODY,
        DONE
    }

    private final Listener listener;
    private Phase phase = Phase.HEADERS;
    private boolean statusSeen;
    private boolean chunked;
    private long chunkRemaining;

    private byte[] line = new byte[256];
    private int lineLength;

    private @Nullable String lastEventId;
    /** The id of the frame being read: it becomes {@link #lastEventId} when the frame ends, as in EventSource. */
    private @Nullable String pendingId;

    private long retryMillis = -1;
    private final long[] marker = new long[5];
    private boolean eventHasMarker;

    SseStreamDecoder(Listener listener) {
        this.listener = listener;
    }

    @Nullable
    String lastEventId() {
        return lastEventId;
    }

    /** The last {@code retry:} the server sent, in milliseconds; -1 if none. */
    long retryMillis() {
        return retryMillis;
    }

    void feed(byte[] bytes, int offset, int length) {
        int i = offset;
        int end = offset + length;
        while (i < end) {
            switch (phase) {
                case HEADERS -> {
                    byte b = bytes[i++];
                    if (b == '\n') {
                        headerLine();
                    } else {
                        append(b);
                    }
                }
                case CHUNK_SIZE -> {
                    byte b = bytes[i++];
                    int digit = Character.digit(b, 16);
                    if (digit >= 0) {
                        chunkRemaining = chunkRemaining * 16 + digit;
                    } else if (b == ';') {
                        phase = Phase.CHUNK_EXTENSION;
                    } else if (b == '\n') {
                        chunkSizeDone();
                    }
                }
                case CHUNK_EXTENSION -> {
                    if (bytes[i++] == '\n') {
                        chunkSizeDone();
                    }
                }
                case CHUNK_DATA -> {
                    int n = (int) Math.min(chunkRemaining, end - i);
                    body(bytes, i, n);
                    i += n;
                    chunkRemaining -= n;
                    if (chunkRemaining == 0) {
                        phase = Phase.CHUNK_END;
                    }
                }
                case CHUNK_END -> {
                    if (bytes[i++] == '\n') {
                        phase = Phase.CHUNK_SIZE;
                    }
                }
                case BODY -> {
                    body(bytes, i, end - i);
                    i = end;
                }
                case DONE -> i = end;
            }
        }
    }

    private void chunkSizeDone() {
        phase = chunkRemaining == 0 ? Phase.DONE : Phase.CHUNK_DATA;
    }

    private void headerLine() {
        int length = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
        String text = new String(line, 0, length, StandardCharsets.ISO_8859_1);
        lineLength = 0;
        if (!statusSeen) {
            statusSeen = true;
            String[] parts = text.split(" ", 3);
            listener.onStatus(parts.length >= 2 ? parseStatus(parts[1]) : -1);
        } else if (text.isEmpty()) {
            phase = chunked ? Phase.CHUNK_SIZE : Phase.BODY;
        } else {
            String lower = text.toLowerCase(Locale.ROOT);
            if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
    }

    private static int parseStatus(String code) {
        try {
            return Integer.parseInt(code);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void body(byte[] bytes, int offset, int length) {
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            byte b = bytes[i];
            if (b == '\n') {
                sseLine();
            } else {
                append(b);
            }
        }
    }

    private void append(byte b) {
        if (lineLength == line.length) {
            if (line.length >= MAX_LINE) {
                return;
            }
            line = Arrays.copyOf(line, Math.min(MAX_LINE, line.length * 2));
        }
        line[lineLength++] = b;
    }

    private void sseLine() {
        int length = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
        lineLength = 0;
        if (length == 0) {
            if (pendingId != null) { // the frame is complete: a reconnect may now ask for what comes after it
                lastEventId = pendingId;
                pendingId = null;
            }
            if (eventHasMarker) {
                eventHasMarker = false;
                listener.onEvent(lastEventId, marker);
            }
        } else if (startsWith("id:", length)) {
            int from = 3 < length && line[3] == ' ' ? 4 : 3;
            pendingId = new String(line, from, length - from, StandardCharsets.UTF_8);
        } else if (startsWith("data:", length)) {
            if (Marker.find(line, 5, length, marker)) {
                eventHasMarker = true;
            }
        } else if (startsWith("retry:", length)) {
            long value = 0;
            int from = 6 < length && line[6] == ' ' ? 7 : 6;
            for (int i = from; i < length && value >= 0; i++) {
                int digit = line[i] - '0';
                value = digit >= 0 && digit <= 9 ? value * 10 + digit : -1; // not all digits: ignored
            }
            if (value >= 0 && from < length) {
                retryMillis = value;
            }
        }
    }

    private boolean startsWith(String field, int length) {
        if (length < field.length()) {
            return false;
        }
        for (int i = 0; i < field.length(); i++) {
            if (line[i] != field.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
