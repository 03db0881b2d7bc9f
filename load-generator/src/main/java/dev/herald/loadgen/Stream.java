package dev.herald.loadgen;

import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/** One SSE stream held by the generator: its socket, decoder and the event numbers it received. */
final class Stream {

    enum State {
        CONNECTING,
        STREAMING,
        FAILED,
        CLOSED
    }

    final int globalIndex;
    final int userIndex;
    final boolean admin;
    final ByteBuffer request;

    @Nullable
    SocketChannel channel;

    @Nullable
    SseStreamDecoder decoder;

    volatile State state = State.CONNECTING;
    volatile int status;
    volatile @Nullable String failure;

    private int[] received = new int[8];
    private int receivedCount;

    Stream(int globalIndex, int userIndex, boolean admin, ByteBuffer request) {
        this.globalIndex = globalIndex;
        this.userIndex = userIndex;
        this.admin = admin;
        this.request = request;
    }

    void received(long seq) {
        if (receivedCount == received.length) {
            received = Arrays.copyOf(received, received.length * 2);
        }
        received[receivedCount++] = (int) seq;
    }

    /** The received event numbers, sorted (call once the stream's loop has stopped). */
    int[] receivedSorted() {
        int[] copy = Arrays.copyOf(received, receivedCount);
        Arrays.sort(copy);
        return copy;
    }
}
