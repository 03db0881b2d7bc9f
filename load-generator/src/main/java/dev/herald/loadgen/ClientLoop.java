package dev.herald.loadgen;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * One selector thread driving many streams: finishes connects, writes the request, reads and decodes.
 * Latencies go into this thread's own histograms (per phase), so recording needs no locking; they are
 * read after the thread has been joined.
 */
final class ClientLoop implements Runnable {

    static final int MAX_PHASES = 32;

    private final Selector selector;
    private final Queue<Stream> pending = new ConcurrentLinkedQueue<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocate(128 * 1024);
    private final long runId;
    private final AtomicInteger settled;
    private final AtomicInteger closedWhileStreaming;
    private volatile boolean running = true;

    final Histogram[] measured = new Histogram[MAX_PHASES];
    final Histogram[] tail = new Histogram[MAX_PHASES];
    final long[] measuredDeliveries = new long[MAX_PHASES];
    long deliveries;
    /** {@link #deliveries} published for other threads (drain detection); written by the loop only. */
    private volatile long deliveriesSoFar;

    long foreign;
    private long now;

    ClientLoop(long runId, AtomicInteger settled, AtomicInteger closedWhileStreaming) throws IOException {
        this.selector = Selector.open();
        this.runId = runId;
        this.settled = settled;
        this.closedWhileStreaming = closedWhileStreaming;
        for (int i = 0; i < MAX_PHASES; i++) {
            measured[i] = new Histogram(3_600_000_000L, 3);
            tail[i] = new Histogram(3_600_000_000L, 3);
        }
    }

    long deliveriesSoFar() {
        return deliveriesSoFar;
    }

    void add(Stream stream) {
        pending.add(stream);
        selector.wakeup();
    }

    void stop() {
        running = false;
        selector.wakeup();
    }

    @Override
    public void run() {
        try {
            while (running) {
                selector.select(200);
                registerPending();
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    handle(key);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("selector failed", e);
        } finally {
            for (SelectionKey key : selector.keys()) {
                closeQuietly(key.channel());
            }
            closeQuietly(selector);
        }
    }

    private void registerPending() {
        Stream stream;
        while ((stream = pending.poll()) != null) {
            SocketChannel channel = Objects.requireNonNull(stream.channel, "queued before connect() opened it");
            try {
                channel.register(
                        selector, channel.isConnected() ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT, stream);
            } catch (IOException e) {
                fail(stream, "register: " + e.getMessage());
            }
        }
    }

    private void handle(SelectionKey key) {
        Stream stream = (Stream) key.attachment();
        SocketChannel channel = (SocketChannel) key.channel();
        try {
            if (key.isValid() && key.isConnectable()) {
                channel.finishConnect();
                key.interestOps(SelectionKey.OP_WRITE);
            }
            if (key.isValid() && key.isWritable()) {
                channel.write(stream.request);
                if (!stream.request.hasRemaining()) {
                    key.interestOps(SelectionKey.OP_READ);
                }
            }
            if (key.isValid() && key.isReadable()) {
                read(key, stream, channel);
            }
        } catch (IOException e) {
            key.cancel();
            closeQuietly(channel);
            if (stream.state == Stream.State.STREAMING) {
                stream.state = Stream.State.CLOSED;
                closedWhileStreaming.incrementAndGet();
            } else if (stream.state == Stream.State.CONNECTING) {
                fail(stream, e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
    }

    private void read(SelectionKey key, Stream stream, SocketChannel channel) throws IOException {
        while (true) {
            readBuffer.clear();
            int n = channel.read(readBuffer);
            if (n < 0) {
                throw new IOException("closed by server");
            }
            if (n == 0) {
                return;
            }
            now = System.nanoTime();
            Objects.requireNonNull(stream.decoder, "registered before connect() gave it a decoder")
                    .feed(readBuffer.array(), 0, n);
            if (stream.state == Stream.State.FAILED) {
                key.cancel();
                closeQuietly(channel);
                return;
            }
        }
    }

    SseStreamDecoder.Listener listenerFor(Stream stream) {
        return new SseStreamDecoder.Listener() {
            @Override
            public void onStatus(int status) {
                stream.status = status;
                if (status == 200) {
                    stream.state = Stream.State.STREAMING;
                    settled.incrementAndGet();
                } else {
                    fail(stream, "HTTP " + status);
                }
            }

            @Override
            public void onEvent(@Nullable String lastEventId, long[] marker) {
                deliveriesSoFar = ++deliveries;
                if (marker[0] != runId) {
                    foreign++;
                    return;
                }
                int phase = (int) marker[1];
                int part = (int) marker[2];
                stream.received(marker[3]);
                if (part != Marker.WARMUP && phase >= 0 && phase < MAX_PHASES) {
                    long micros = Math.max(0, (now - marker[4]) / 1000);
                    measured[phase].recordValue(Math.min(micros, 3_600_000_000L));
                    measuredDeliveries[phase]++;
                    if (part == Marker.TAIL) {
                        tail[phase].recordValue(Math.min(micros, 3_600_000_000L));
                    }
                }
            }
        };
    }

    private void fail(Stream stream, String why) {
        if (stream.state == Stream.State.CONNECTING) {
            stream.failure = why;
            stream.state = Stream.State.FAILED;
            settled.incrementAndGet();
        }
    }

    static void connect(Stream stream, ClientLoop loop, InetSocketAddress source, InetSocketAddress target) {
        try {
            SocketChannel channel = SocketChannel.open();
            channel.bind(source);
            channel.configureBlocking(false);
            stream.channel = channel;
            stream.decoder = new SseStreamDecoder(loop.listenerFor(stream));
            channel.connect(target);
            loop.add(stream);
        } catch (IOException e) {
            loop.fail(stream, e.getClass().getSimpleName() + ": " + e.getMessage());
            if (stream.channel != null) {
                closeQuietly(stream.channel);
            }
        }
    }

    private static void closeQuietly(@Nullable AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }
}
