package dev.herald.gateway.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.MonoSink;

/**
 * One open stream to one client: who it is for, the frames waiting for its socket, and the writing of them
 * to its Netty channel. Compact on purpose (tens of thousands live at once): once its response headers went
 * out it writes frames to the channel itself, without a Reactive Streams pipeline per response (no
 * subscriber chain, no send queue), and it has no timers (its shard's ticker sends heartbeats, ends it at
 * token expiry and judges it slow); frames are queued by reference to the bytes every recipient shares.
 *
 * <p>Flow control is the socket's. Frames are handed to Netty only while the channel is writable (Netty
 * holds less than the stream's budget, its write-buffer high water mark); the rest wait here, by
 * reference, and leave when the socket has taken what Netty holds. So a burst of any size reaches a client
 * that reads, paced by its socket, and one slow client never slows another. A stream is slow when its
 * socket stays unwritable for longer than the grace period ({@link #isStalledFor}), or when it fell so far
 * behind that the replay buffer no longer holds the oldest event it waits for ({@link #fellBehind}).
 *
 * <p>It keeps its places in the connection limits until its response is over ({@link #ended}): a stream
 * closed for any reason still counts until its socket is gone or its last frame was written.
 */
public final class ClientStream {

    private static final String REACTIVE_BRIDGE = "reactor.right.reactiveBridge";
    private static final String WATCHER = "herald.writability";
    static final String HTTP_CODEC = "reactor.left.httpCodec";
    /** The name Netty gives the pipeline's tail (it ends every list of names). */
    private static final String TAIL = "DefaultChannelPipeline$TailContext";
    /**
     * Handlers that may sit between the HTTP encoder and the application without reading or changing the
     * body: frames may be written below them. Any other handler there (compression, access log, metrics,
     * chunked file writes) gets every frame through the pipeline.
     */
    private static final Set<String> BODY_NEUTRAL = Set.of(
            "reactor.left.httpTrafficHandler",
            "reactor.left.idleTimeoutHandler",
            "reactor.left.readTimeoutHandler",
            REACTIVE_BRIDGE,
            WATCHER);

    private static final int MAX_FRAMES_PER_WRITE = 64;
    /** A write takes more frames only while under this many bytes (one big frame still goes alone). */
    private static final int MAX_BYTES_PER_WRITE = 64 * 1024;

    private static final AtomicIntegerFieldUpdater<ClientStream> WIP =
            AtomicIntegerFieldUpdater.newUpdater(ClientStream.class, "wip");
    private static final AtomicIntegerFieldUpdater<ClientStream> STATE =
            AtomicIntegerFieldUpdater.newUpdater(ClientStream.class, "state");
    private static final AtomicIntegerFieldUpdater<ClientStream> ENDED =
            AtomicIntegerFieldUpdater.newUpdater(ClientStream.class, "ended");

    private static final int OPEN = 0;
    private static final int COMPLETING = 1;
    private static final int CLOSED = 2;

    private final String userId;
    private final boolean admin;
    private final int typeMask;
    private final long expiresAtMillis;
    private final Channel channel;
    private final Shard shard;

    /** Completes when the stream wrote its last frame; set once its response headers went out. */
    private @Nullable MonoSink<Void> response;
    /**
     * Where frames enter the pipeline as ready-made chunks: just below the HTTP encoder of a chunked
     * response (null: every frame goes through the whole pipeline, which frames it as the response needs).
     */
    private @Nullable ChannelHandlerContext chunkWriter;

    private @Nullable ArrayDeque<Frame> queue;
    private long queuedBytes;
    private volatile int wip;
    private volatile int state;
    private volatile int ended;
    /** When its socket stopped taking data (Netty over the high water mark); 0 while writable. */
    private volatile long unwritableSinceMillis;

    private boolean terminated;
    /** Whether the server ended the response ({@link #finish}): the connection closes once it is written. */
    private volatile boolean closeWhenEnded;

    private @Nullable Runnable whenDrained;
    private @Nullable Watcher watcher;
    private @Nullable ResumeIntent intent;
    /** Position in its shard's list of all streams (swap-remove). */
    int slot = -1;
    /** Queued frames wait for the end of a delivery batch: one drain, one write. */
    boolean dirty;
    /** Whether it is in its shard's audience index (a resuming stream joins once caught up). */
    boolean live;
    /**
     * Per partition, what the client already has when this instance is behind it: live events below it
     * are skipped, and ids never go below it. Null once the instance caught up.
     */
    long @Nullable [] floor;
    /** The sequence number of the last frame whose id it was sent (for position checkpoints). */
    long idSeq = -1;

    ClientStream(
            String userId,
            boolean admin,
            int typeMask,
            long expiresAtMillis,
            Channel channel,
            Shard shard,
            ResumeIntent intent) {
        this.userId = userId;
        this.admin = admin;
        this.typeMask = typeMask;
        this.expiresAtMillis = expiresAtMillis;
        this.channel = channel;
        this.shard = shard;
        this.intent = intent;
    }

    public String userId() {
        return userId;
    }

    public boolean admin() {
        return admin;
    }

    long expiresAtMillis() {
        return expiresAtMillis;
    }

    /** What the client asked for at connect; handed over once, when the stream joins its shard. */
    ResumeIntent takeIntent() {
        ResumeIntent taken = intent;
        intent = null; // a stream lives for hours: keep nothing it no longer needs
        return taken == null ? ResumeIntent.fresh() : taken;
    }

    /**
     * Whether an event belongs on this stream: its {@link Audience} (the API's read rule: owner or admin)
     * and the stream's {@code ?types=}. Live delivery, replay from memory and replay from Kafka all ask this.
     */
    boolean wants(Frame frame) {
        return accepts(frame) && Audience.includes(frame.owner(), userId, admin);
    }

    /** Whether an event of {@code owner} and this type bit belongs on this stream (replay from Kafka). */
    boolean wants(String owner, int typeBit) {
        return (typeMask & typeBit) != 0 && Audience.includes(owner, userId, admin);
    }

    /** Whether this stream asked for frames of this type ({@code ?types=}); control frames always pass. */
    private boolean accepts(Frame frame) {
        return frame.typeBit() == Frame.ANY_TYPE || (typeMask & frame.typeBit()) != 0;
    }

    public boolean isOpen() {
        return state == OPEN;
    }

    // ---- The response: started once its headers went out, over when the last frame is written.

    /**
     * Starts writing, once the response headers went out: what its shard queued since the stream was opened
     * (before the headers, so an event published once the client has them is never missed) leaves now, and
     * every later frame as it comes. {@code done} completes when the stream wrote its last frame; cancelling it (the connection
     * closed) ends the stream as the client's doing. {@code chunked} says the response's headers went out
     * with {@code Transfer-Encoding: chunked}: frames then enter the pipeline as whole chunks, one buffer
     * each, just below the HTTP encoder, instead of being framed again by it on every write, provided no
     * handler between the encoder and the application could change the body (compression, for one).
     */
    public void start(MonoSink<Void> done, boolean chunked) {
        done.onCancel(() -> close(DisconnectReason.CLIENT, false));
        response = done;
        this.chunkWriter = chunked ? chunkWriter(channel.pipeline()) : null;
        watchWritability();
        drain();
    }

    // ---- Producer side: called on this stream's event loop by its shard or its catch-up.

    /** Queues a frame; the caller drains once it has queued everything it has for this stream. */
    boolean enqueue(Frame frame) {
        if (state != OPEN) {
            return false;
        }
        synchronized (this) {
            ArrayDeque<Frame> q = queue;
            if (q == null) {
                q = queue = new ArrayDeque<>(4);
            }
            q.add(frame);
            queuedBytes += frame.length();
        }
        return true;
    }

    /** Queues a frame only when nothing is waiting (a heartbeat is pointless behind data). */
    boolean enqueueIfIdle(Frame frame) {
        synchronized (this) {
            if (queue != null && !queue.isEmpty()) {
                return false;
            }
        }
        return enqueue(frame);
    }

    /**
     * Whether a catching-up stream should be given more now: less than {@code chunkBytes} waits here and its
     * socket takes data. A replay never queues more than a chunk ahead of the socket.
     */
    boolean wantsMore(long chunkBytes) {
        if (state != OPEN || !channel.isWritable()) {
            return false;
        }
        synchronized (this) {
            return queuedBytes < chunkBytes;
        }
    }

    /** Bytes of frames waiting here for the socket (read across threads: how far a replay ran ahead). */
    synchronized long queuedBytes() {
        return queuedBytes;
    }

    /** Runs {@code next} on the event loop once everything queued has been handed to the socket. */
    void whenDrained(Runnable next) {
        synchronized (this) {
            whenDrained = next;
        }
        drain();
    }

    /**
     * Whether its socket has taken nothing for longer than {@code graceMillis}: Netty has held more than
     * the stream's budget, unwritten, all that time.
     */
    boolean isStalledFor(long nowMillis, long graceMillis) {
        long since = unwritableSinceMillis;
        return since != 0 && nowMillis - since > graceMillis && !channel.isWritable();
    }

    /**
     * Whether the oldest event it waits for is gone from the replay buffer ({@code oldestHeld} is the
     * buffer's oldest sequence number): the stream is more than the buffer behind. Events wait here by
     * reference to the buffer's own frames, so this bounds what slow streams keep alive by the buffer's size.
     */
    synchronized boolean fellBehind(long oldestHeld) {
        if (queue == null) {
            return false;
        }
        for (Frame frame : queue) {
            if (frame.seq >= 0) {
                return frame.seq < oldestHeld;
            }
        }
        return false;
    }

    /** Queues a last frame and ends the response once it is written; the stream leaves the audience now. */
    void finish(Frame last, DisconnectReason why) {
        if (!STATE.compareAndSet(this, OPEN, COMPLETING)) {
            return;
        }
        shard.leave(this, why);
        closeWhenEnded = true;
        synchronized (this) {
            if (queue == null) {
                queue = new ArrayDeque<>(1);
            }
            queue.add(last);
            queuedBytes += last.length();
        }
        drain();
    }

    /**
     * Ends the stream now, dropping what is queued. {@code closeSocket} closes the connection, so a
     * client that stopped reading cannot hold it open; a client that left has closed it already. Its
     * places in the limits are given back when the response is over ({@link #ended}).
     */
    void close(DisconnectReason why, boolean closeSocket) {
        int previous = STATE.getAndSet(this, CLOSED);
        if (previous == CLOSED) {
            return;
        }
        if (previous == OPEN) {
            shard.leave(this, why);
        }
        synchronized (this) {
            if (queue != null) {
                queue.clear();
            }
            queuedBytes = 0;
            whenDrained = null;
        }
        if (closeSocket) {
            channel.close();
        }
        drain();
    }

    /**
     * The response is over: its connection closed, or its last frame was written. Ends the stream if it
     * was still open and gives back its places in the limits, once. A response the server ended (token
     * expiry) also closes its connection: the client reconnects anyway, and an idle keep-alive connection
     * of a client that no longer reads would hold a file descriptor for nothing.
     */
    public void ended() {
        close(DisconnectReason.CLIENT, false);
        if (!ENDED.compareAndSet(this, 0, 1)) {
            return;
        }
        if (closeWhenEnded) { // after everything written so far, the response's last chunk included
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        Watcher w = watcher;
        watcher = null;
        if (w != null && channel.pipeline().context(w) != null) {
            try {
                channel.pipeline().remove(w);
            } catch (java.util.NoSuchElementException alreadyGone) {
                // removed meanwhile with the connection
            }
        }
        shard.forget(this);
    }

    /**
     * Writes queued frames to the channel while the socket takes data, with one flush (one system call) for
     * everything written, on the channel's event loop; a call from elsewhere moves there.
     */
    void drain() {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(this::drain);
            return;
        }
        if (WIP.getAndIncrement(this) != 0) {
            return;
        }
        int missed = 1;
        do {
            MonoSink<Void> done = response;
            if (done != null && !terminated) {
                boolean wrote = false;
                ChannelHandlerContext chunks = chunkWriter;
                while (state != CLOSED && channel.isWritable()) {
                    if (chunks != null) {
                        Frame frame = take();
                        if (frame == null) {
                            break;
                        }
                        chunks.write(frame.chunk(), channel.voidPromise());
                    } else {
                        ByteBuf batch = takeBatch();
                        if (batch == null) {
                            break;
                        }
                        channel.write(batch, channel.voidPromise());
                    }
                    wrote = true;
                }
                if (wrote && chunks != null) {
                    chunks.flush(); // from where the chunks went in: the handlers above have nothing buffered
                } else if (wrote) {
                    channel.flush();
                }
                if (state == COMPLETING && isQueueEmpty()) {
                    terminated = true;
                    STATE.set(this, CLOSED);
                    done.success(); // the server writes the response's last chunk after what was written
                } else if (state == CLOSED) {
                    terminated = true;
                } else {
                    runWhenDrained();
                }
            }
            missed = WIP.addAndGet(this, -missed);
        } while (missed != 0);
    }

    /** Runs the waiting step once nothing is queued and the socket takes data (else the next drain will). */
    private void runWhenDrained() {
        if (!channel.isWritable()) {
            return; // Netty says when it is writable again, and that drains
        }
        Runnable next;
        synchronized (this) {
            next = whenDrained;
            if (next == null || (queue != null && !queue.isEmpty())) {
                return;
            }
            whenDrained = null;
        }
        shard.loop().execute(next);
    }

    private synchronized boolean isQueueEmpty() {
        return queue == null || queue.isEmpty();
    }

    /** The next queued frame (written as a chunk of its own: the socket's writes gather them), or null. */
    private synchronized @Nullable Frame take() {
        ArrayDeque<Frame> q = queue;
        Frame next = q == null ? null : q.poll();
        if (next != null) {
            queuedBytes -= next.length();
            recordLatency(next, 0);
        }
        return next;
    }

    /** Queued frames for one write through the pipeline: one, or several in one composite buffer. */
    private synchronized @Nullable ByteBuf takeBatch() {
        ArrayDeque<Frame> q = queue;
        if (q == null || q.isEmpty()) {
            return null;
        }
        long nowMicros = 0;
        Frame first = q.poll();
        queuedBytes -= first.length();
        nowMicros = recordLatency(first, nowMicros);
        if (q.isEmpty() || first.length() + q.peek().length() > MAX_BYTES_PER_WRITE) {
            return first.slice();
        }
        int count = Math.min(q.size() + 1, MAX_FRAMES_PER_WRITE);
        CompositeByteBuf composite = ByteBufAllocator.DEFAULT.compositeHeapBuffer(count);
        composite.addComponent(true, first.slice());
        int bytes = first.length();
        for (int i = 1; i < count && !q.isEmpty() && bytes + q.peek().length() <= MAX_BYTES_PER_WRITE; i++) {
            Frame next = q.poll();
            queuedBytes -= next.length();
            bytes += next.length();
            nowMicros = recordLatency(next, nowMicros);
            composite.addComponent(true, next.slice());
        }
        return composite;
    }

    private long recordLatency(Frame frame, long nowMicros) {
        if (!frame.isEvent()) {
            return nowMicros;
        }
        long now = nowMicros != 0 ? nowMicros : shard.clockMicros();
        shard.metrics().delivered(now - frame.eventEpochMicros(), TimeUnit.MICROSECONDS);
        return now;
    }

    /**
     * The HTTP/1.1 server codec's context, where a chunk written goes straight to the socket, when every
     * handler between it and the application leaves the body alone; null otherwise (HTTP/2, compression).
     */
    private static @Nullable ChannelHandlerContext chunkWriter(ChannelPipeline pipeline) {
        ChannelHandlerContext codec = pipeline.context(HTTP_CODEC);
        if (codec == null || !(codec.handler() instanceof HttpServerCodec)) {
            return null;
        }
        List<String> names = pipeline.names();
        for (int i = names.indexOf(HTTP_CODEC) + 1; i < names.size(); i++) {
            String name = names.get(i);
            if (!BODY_NEUTRAL.contains(name) && !name.startsWith(TAIL)) {
                return null;
            }
        }
        return codec;
    }

    /**
     * Netty tells the pipeline when its outbound buffer crosses the high water mark (the stream's budget,
     * set on every connection by the server) and when it falls back under the low one: the stream waits,
     * then goes on where it was. One handler per stream, under one name: a keep-alive connection's next
     * stream takes the place of the last one's.
     */
    private void watchWritability() {
        Watcher w = new Watcher();
        watcher = w;
        ChannelPipeline pipeline = channel.pipeline();
        if (pipeline.get(WATCHER) != null) {
            pipeline.replace(WATCHER, WATCHER, w);
        } else if (pipeline.get(REACTIVE_BRIDGE) != null) {
            pipeline.addBefore(REACTIVE_BRIDGE, WATCHER, w);
        } else {
            pipeline.addLast(WATCHER, w);
        }
        if (!channel.isWritable()) {
            unwritableSinceMillis = System.currentTimeMillis();
        }
    }

    private final class Watcher extends ChannelInboundHandlerAdapter {
        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                unwritableSinceMillis = 0;
                drain();
            } else if (unwritableSinceMillis == 0) {
                unwritableSinceMillis = System.currentTimeMillis();
            }
            ctx.fireChannelWritabilityChanged();
        }
    }
}
