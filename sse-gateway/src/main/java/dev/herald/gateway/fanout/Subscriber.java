package dev.herald.gateway.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * One open stream: who it is for, its bounded queue of frames, and the body publisher WebFlux writes to
 * its socket. Compact on purpose (tens of thousands live at once): no Reactor operators of its own, no
 * timers (its shard's ticker sends heartbeats and ends it at token expiry), frames queued by reference.
 *
 * <p>Frames are queued on its channel's event loop by its {@link Shard}; the queue drains as the socket
 * takes data. Frames that queued up while the socket was busy leave as one buffer, so one write carries
 * many frames. A queue over its frame or byte bound, counting what Netty still holds for the socket,
 * closes the stream as {@link DisconnectReason#SLOW}: the consumer never waits for a client.
 */
public final class Subscriber extends Flux<DataBuffer> implements Subscription {

    private static final NettyDataBufferFactory BUFFERS = new NettyDataBufferFactory(ByteBufAllocator.DEFAULT);
    private static final int MAX_FRAMES_PER_WRITE = 64;
    /** A write takes more frames only while under this many bytes, so one write never fills the byte bound. */
    private static final int MAX_BYTES_PER_WRITE = 64 * 1024;

    private static final AtomicIntegerFieldUpdater<Subscriber> WIP =
            AtomicIntegerFieldUpdater.newUpdater(Subscriber.class, "wip");
    private static final AtomicIntegerFieldUpdater<Subscriber> STATE =
            AtomicIntegerFieldUpdater.newUpdater(Subscriber.class, "state");
    private static final AtomicLongFieldUpdater<Subscriber> REQUESTED =
            AtomicLongFieldUpdater.newUpdater(Subscriber.class, "requested");

    private static final int OPEN = 0;
    private static final int COMPLETING = 1;
    private static final int CLOSED = 2;

    private final String userId;
    private final boolean admin;
    private final int typeMask;
    private final long expiresAtMillis;
    private final Channel channel;
    private final Shard shard;

    private @Nullable CoreSubscriber<? super DataBuffer> downstream;
    private @Nullable ArrayDeque<Frame> queue;
    private int queuedBytes;
    private volatile int wip;
    private volatile int state;
    private volatile long requested;
    private boolean terminated;
    /** Position in its shard's list of all subscribers (swap-remove). */
    int slot = -1;
    /** Queued frames wait for the end of a delivery batch: one drain, one write. */
    boolean dirty;
    /** Whether it is in its shard's audience index (a resuming stream joins once caught up). */
    boolean live;
    /**
     * Per partition, what the client already has when this instance is behind it (DESIGN §5): live
     * events below it are skipped, and ids never go below it. Null once the instance caught up.
     */
    long @Nullable [] floor;
    /** The sequence number of the last frame whose id it was sent (for position checkpoints). */
    long idSeq = -1;
    /** What it resumes from ({@code Last-Event-ID}), set before it is subscribed; null for a fresh stream. */
    long @Nullable [] resumeFrom;
    /** Why its position cannot be resumed ({@code event: reset}), set before it is subscribed. */
    @Nullable String resetReason;
    private @Nullable DisconnectReason reason;

    Subscriber(String userId, boolean admin, int typeMask, long expiresAtMillis, Channel channel, Shard shard) {
        this.userId = userId;
        this.admin = admin;
        this.typeMask = typeMask;
        this.expiresAtMillis = expiresAtMillis;
        this.channel = channel;
        this.shard = shard;
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

    /** Whether an event belongs on this stream: its audience (owner, admins) and its {@code ?types=}. */
    boolean wants(Frame frame) {
        return accepts(frame) && (admin || userId.equals(frame.owner()));
    }

    /** Whether an event of {@code owner} and this type bit belongs on this stream (replay from Kafka). */
    boolean wants(String owner, int typeBit) {
        return (typeMask & typeBit) != 0 && (admin || userId.equals(owner));
    }

    /** Sets where a resuming stream stands, or why it cannot resume; before WebFlux subscribes. */
    public void resumeFrom(long @Nullable [] position, @Nullable String resetReason) {
        this.resumeFrom = position;
        this.resetReason = resetReason;
    }

    /**
     * Whether a catching-up stream should be given more frames now: replay fills half its bounds at
     * most, so it never closes a reading client as slow.
     */
    boolean hasRoom(QueueLimits limits) {
        synchronized (this) {
            int frames = queue == null ? 0 : queue.size();
            return frames < limits.maxFrames() / 2 && (queuedBytes + socketBacklogBytes()) * 2 < limits.maxBytes();
        }
    }

    /** Whether this stream asked for frames of this type ({@code ?types=}); control frames always pass. */
    boolean accepts(Frame frame) {
        return frame.typeBit() == Frame.ANY_TYPE || (typeMask & frame.typeBit()) != 0;
    }

    public boolean isOpen() {
        return state == OPEN;
    }

    public @Nullable DisconnectReason reason() {
        return reason;
    }

    // ---- Publisher side: WebFlux subscribes once and writes what we emit to the socket.

    @Override
    public void subscribe(CoreSubscriber<? super DataBuffer> actual) {
        if (downstream != null) {
            Operators.error(actual, new IllegalStateException("a stream is written once"));
            return;
        }
        downstream = actual;
        actual.onSubscribe(this);
        shard.register(this);
    }

    @Override
    public void request(long n) {
        if (Operators.validate(n)) {
            Operators.addCap(REQUESTED, this, n);
            drain();
        }
    }

    @Override
    public void cancel() {
        close(DisconnectReason.CLIENT, false);
    }

    // ---- Producer side: called on this stream's event loop by its shard.

    /**
     * Queues a frame, or closes the stream as slow when that would pass its bounds. Does not write:
     * the caller drains once it has queued everything it has for this stream.
     */
    boolean enqueue(Frame frame, QueueLimits limits) {
        if (state != OPEN) {
            return false;
        }
        synchronized (this) {
            ArrayDeque<Frame> q = queue;
            if (q == null) {
                q = queue = new ArrayDeque<>(4);
            }
            long pendingBytes = (long) queuedBytes + frame.length() + socketBacklogBytes();
            if (q.size() >= limits.maxFrames() || pendingBytes > limits.maxBytes()) {
                q.clear();
                queuedBytes = 0;
            } else {
                q.add(frame);
                queuedBytes += frame.length();
                return true;
            }
        }
        close(DisconnectReason.SLOW, true);
        return false;
    }

    /** Queues a last frame past the bounds and ends the stream once it is written. */
    void finish(Frame last, DisconnectReason why) {
        if (!STATE.compareAndSet(this, OPEN, COMPLETING)) {
            return;
        }
        reason = why;
        synchronized (this) {
            if (queue == null) {
                queue = new ArrayDeque<>(1);
            }
            queue.add(last);
            queuedBytes += last.length();
        }
        shard.release(this, why);
        drain();
    }

    /**
     * Ends the stream now, dropping what is queued. {@code closeSocket} closes the connection, so a
     * client that stopped reading cannot hold it open; a client that left has closed it already.
     */
    public void close(DisconnectReason why, boolean closeSocket) {
        int previous = STATE.getAndSet(this, CLOSED);
        if (previous == CLOSED) {
            return;
        }
        if (previous == OPEN) {
            reason = why;
            shard.release(this, why);
        }
        synchronized (this) {
            if (queue != null) {
                queue.clear();
            }
            queuedBytes = 0;
        }
        if (closeSocket) {
            channel.close();
        }
    }

    /** Bytes Netty holds for this socket and has not written yet. */
    private long socketBacklogBytes() {
        ChannelOutboundBuffer outbound = channel.unsafe().outboundBuffer();
        return outbound == null ? 0 : outbound.totalPendingWriteBytes();
    }

    /** Emits queued frames while the writer has demand; frames that queued up go out as one buffer. */
    void drain() {
        if (WIP.getAndIncrement(this) != 0) {
            return;
        }
        int missed = 1;
        do {
            CoreSubscriber<? super DataBuffer> actual = downstream;
            if (actual != null && !terminated) {
                while (requested != 0 && state != CLOSED) {
                    ByteBuf batch = takeBatch();
                    if (batch == null) {
                        break;
                    }
                    if (requested != Long.MAX_VALUE) {
                        REQUESTED.decrementAndGet(this);
                    }
                    actual.onNext(BUFFERS.wrap(batch));
                }
                if (state == COMPLETING && isQueueEmpty()) {
                    terminated = true;
                    STATE.set(this, CLOSED);
                    actual.onComplete();
                } else if (state == CLOSED) {
                    terminated = true;
                }
            }
            missed = WIP.addAndGet(this, -missed);
        } while (missed != 0);
    }

    private synchronized boolean isQueueEmpty() {
        return queue == null || queue.isEmpty();
    }

    private synchronized @Nullable ByteBuf takeBatch() {
        ArrayDeque<Frame> q = queue;
        if (q == null || q.isEmpty()) {
            return null;
        }
        long nowMicros = 0;
        Frame first = q.poll();
        queuedBytes -= first.length();
        nowMicros = recordLatency(first, nowMicros);
        if (q.isEmpty()) {
            return first.slice();
        }
        if (first.length() + q.peek().length() > MAX_BYTES_PER_WRITE) {
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
}
