package dev.herald.gateway.fanout;

import dev.herald.contracts.Action;
import dev.herald.contracts.ServiceEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The SSE wire form of an event: {@code id: <position>}, {@code event: notes:<action>},
 * {@code data: <ServiceEvent JSON>}, blank line. The id and event name never hold CR or LF (the
 * position is base64url; names come from the contract) and the JSON is one line.
 */
public final class SseFormat {

    private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT = "\nevent: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "\ndata: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);

    private SseFormat() {}

    /** The type bit of an action, for {@code ?types=} masks. */
    public static int typeBit(Action action) {
        return 1 << action.ordinal();
    }

    /** A mask that accepts every event type. */
    public static int allTypes() {
        return (1 << Action.values().length) - 1;
    }

    /**
     * The frame of {@code event}, read from {@code partition} at {@code offset}, whose id is
     * {@code position}, the encoding of {@code after} (handed over, not copied).
     */
    public static Frame eventFrame(
            ServiceEvent event, byte[] json, String position, int partition, long offset, long[] after) {
        String name = event.eventName();
        requireSingleLine(name);
        requireSingleLine(position);
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        byte[] idBytes = position.getBytes(StandardCharsets.US_ASCII);
        int length =
                ID.length + idBytes.length + EVENT.length + nameBytes.length + DATA.length + json.length + END.length;
        byte[] out = Frame.newChunk(length);
        int at = Frame.chunkHeaderLength(length);
        at = put(out, at, ID);
        at = put(out, at, idBytes);
        at = put(out, at, EVENT);
        at = put(out, at, nameBytes);
        at = put(out, at, DATA);
        at = put(out, at, json);
        put(out, at, END);
        Instant when = event.timestamp();
        long micros = when.getEpochSecond() * 1_000_000L + when.getNano() / 1_000;
        return new Frame(out, length, event.owner(), typeBit(event.action()), micros, partition, offset, after);
    }

    /** Whether bytes hold a CR or LF (then they cannot be one {@code data:} line). */
    public static boolean hasLineBreak(byte[] bytes) {
        for (byte b : bytes) {
            if (b == '\n' || b == '\r') {
                return true;
            }
        }
        return false;
    }

    private static void requireSingleLine(String field) {
        if (field.indexOf('\n') >= 0 || field.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("SSE field holds a line break");
        }
    }

    private static int put(byte[] out, int at, byte[] part) {
        System.arraycopy(part, 0, out, at, part.length);
        return at + part.length;
    }
}
