package dev.herald.gateway.fanout;

import io.netty.channel.EventLoop;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The streams of one Netty event loop and their audience index (user id → streams, admin streams).
 * Everything here runs on that loop: the index needs no locks, a delivery writes to sockets the loop
 * owns, and one event's fan-out is spread over all loops. One periodic task per shard sends
 * heartbeats and ends streams whose token expired; streams have no timers of their own.
 */
final class Shard {

    private final EventLoop loop;
    private final Hub hub;
    private final HashMap<String, ArrayList<Subscriber>> byUser = new HashMap<>();
    private final ArrayList<Subscriber> admins = new ArrayList<>();
    private final ArrayList<Subscriber> all = new ArrayList<>();
    private final ArrayList<Subscriber> dirty = new ArrayList<>();
    /** The position after the last batch delivered through this shard: what a new stream starts from. */
    private @Nullable String position;
    private long[] positionVector;
    /** Sequence number (in the replay buffer) of the last event delivered through this shard. */
    private long lastSeq;
    private long nextHeartbeatMillis;
    private long nextCheckpointMillis;

    /** Created under the hub's lock, so it starts exactly where the batches it will be given begin. */
    Shard(EventLoop loop, Hub hub) {
        this.loop = loop;
        this.hub = hub;
        this.position = hub.position();
        this.positionVector = hub.positionVector();
        this.lastSeq = hub.ring().head() - 1;
        long tick = hub.settings().tick().toMillis();
        long now = System.currentTimeMillis();
        this.nextHeartbeatMillis = now + hub.settings().heartbeat().toMillis();
        this.nextCheckpointMillis = now + hub.resumeSettings().checkpointInterval().toMillis();
        loop.scheduleAtFixedRate(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    }

    EventLoop loop() {
        return loop;
    }

    QueueLimits limits() {
        return hub.settings().queue();
    }

    ReplayBuffer ring() {
        return hub.ring();
    }

    @Nullable Replayer replayer() {
        return hub.replayer();
    }

    long lastSeq() {
        return lastSeq;
    }

    String encode(long[] at) {
        return hub.encode(at);
    }

    GatewayMetrics metrics() {
        return hub.metrics();
    }

    long clockMicros() {
        return hub.clockMicros();
    }

    Subscriber newSubscriber(String userId, boolean admin, int typeMask, long expiresAtMillis,
                             io.netty.channel.Channel channel) {
        return new Subscriber(userId, admin, typeMask, expiresAtMillis, channel, this);
    }

    /** Adds a stream to the index and queues its first frames; from here on it receives events. */
    void register(Subscriber subscriber) {
        if (loop.inEventLoop()) {
            add(subscriber);
        } else {
            loop.execute(() -> add(subscriber));
        }
    }

    private void add(Subscriber subscriber) {
        if (!subscriber.isOpen()) {
            return;
        }
        subscriber.slot = all.size();
        all.add(subscriber);
        long[] resumeFrom = subscriber.resumeFrom;
        String resetReason = subscriber.resetReason;
        subscriber.resumeFrom = null; // a stream lives for hours: keep nothing it no longer needs
        subscriber.resetReason = null;
        if (resetReason != null) {
            subscriber.enqueue(hub.connectedFrame(null), limits());
            reset(subscriber, resetReason, System.nanoTime());
        } else if (resumeFrom != null) {
            subscriber.enqueue(hub.connectedFrame(null), limits()); // the client keeps its last id until replay moves it
            subscriber.drain();
            new CatchUp(subscriber, this, resumeFrom).step();
        } else {
            index(subscriber);
            String start = position != null ? position : hub.position();
            subscriber.idSeq = lastSeq;
            subscriber.enqueue(hub.connectedFrame(start), limits());
            subscriber.drain();
        }
    }

    private void index(Subscriber subscriber) {
        subscriber.live = true;
        if (subscriber.admin()) {
            admins.add(subscriber);
        } else {
            byUser.computeIfAbsent(subscriber.userId(), user -> new ArrayList<>(1)).add(subscriber);
        }
    }

    /**
     * A caught-up stream joins the index (on the loop, right after its last replayed frame): it stands at
     * {@code at}; where that is past this instance, it keeps a floor until the instance catches up.
     */
    void goLive(Subscriber subscriber, long[] at, ResumeSource source, long startedNanos) {
        if (!subscriber.isOpen() || subscriber.live) {
            return;
        }
        subscriber.floor = ReplayBuffer.atOrPast(positionVector, at) ? null : at;
        index(subscriber);
        subscriber.drain();
        hub.metrics().resumed(source, System.nanoTime() - startedNanos);
    }

    /** A stream whose position cannot be served: {@code event: reset} with the reason, then live from here. */
    void reset(Subscriber subscriber, String reason, long startedNanos) {
        if (!subscriber.isOpen() || subscriber.live) {
            return;
        }
        subscriber.idSeq = lastSeq;
        if (!subscriber.enqueue(hub.resetFrame(position, reason), limits())) {
            return;
        }
        subscriber.floor = null;
        index(subscriber);
        subscriber.drain();
        hub.metrics().resumed(ResumeSource.RESET, System.nanoTime() - startedNanos);
    }

    /** Takes a stream out of the index and gives back its place in the limits. Any thread. */
    void release(Subscriber subscriber, DisconnectReason reason) {
        hub.released(subscriber, reason);
        if (loop.inEventLoop()) {
            remove(subscriber);
        } else {
            loop.execute(() -> remove(subscriber));
        }
    }

    private void remove(Subscriber subscriber) {
        int slot = subscriber.slot;
        if (slot < 0) {
            return; // never added: it closed before registration ran
        }
        subscriber.slot = -1;
        Subscriber last = all.removeLast();
        if (last != subscriber) {
            all.set(slot, last);
            last.slot = slot;
        }
        if (!subscriber.live) {
            return;
        }
        if (subscriber.admin()) {
            admins.remove(subscriber);
        } else {
            ArrayList<Subscriber> streams = byUser.get(subscriber.userId());
            if (streams != null) {
                streams.remove(subscriber);
                if (streams.isEmpty()) {
                    byUser.remove(subscriber.userId());
                }
            }
        }
    }

    /** Hands a batch of events to the event loop; called by the consumer thread. */
    void submit(List<Frame> frames, long[] after, String positionAfter) {
        loop.execute(() -> deliver(frames, after, positionAfter));
    }

    /**
     * Queues each event for its audience on this loop (owner's streams, admin streams), then drains
     * every stream that got something once: events that arrived together leave in one write.
     */
    void deliver(List<Frame> frames, long[] after, String positionAfter) {
        long delivered = 0;
        long filtered = 0;
        for (Frame frame : frames) {
            ArrayList<Subscriber> owners = byUser.get(frame.owner());
            if (owners != null) {
                for (int i = owners.size() - 1; i >= 0; i--) { // backwards: an overflow removes its stream
                    if (offer(owners.get(i), frame)) {
                        delivered++;
                    } else {
                        filtered++;
                    }
                }
            }
            for (int i = admins.size() - 1; i >= 0; i--) {
                if (offer(admins.get(i), frame)) {
                    delivered++;
                } else {
                    filtered++;
                }
            }
        }
        position = positionAfter;
        positionVector = after;
        if (!frames.isEmpty()) {
            lastSeq = frames.getLast().seq;
        }
        for (int i = 0; i < dirty.size(); i++) {
            Subscriber subscriber = dirty.get(i);
            subscriber.dirty = false;
            subscriber.drain();
        }
        dirty.clear();
        hub.metrics().fannedOut(delivered, filtered);
    }

    private boolean offer(Subscriber subscriber, Frame frame) {
        if (!subscriber.accepts(frame)) {
            return false;
        }
        Frame out = frame;
        long[] floor = subscriber.floor;
        if (floor != null) { // the client is ahead of this instance on some partition
            if (frame.offset() < ReplayBuffer.at(floor, frame.partition())) {
                return false; // it has this one
            }
            long[] merged = ReplayBuffer.max(floor, frame.after());
            if (ReplayBuffer.atOrPast(frame.after(), merged)) {
                subscriber.floor = null;
            } else {
                subscriber.floor = merged;
                out = frame.withId(hub.encode(merged), merged);
            }
        }
        subscriber.idSeq = frame.seq;
        if (subscriber.enqueue(out, hub.settings().queue()) && !subscriber.dirty) {
            subscriber.dirty = true;
            dirty.add(subscriber);
        }
        return true;
    }

    /** The shard's one timer: token expiry for every stream, and heartbeats when due. */
    private void tick() {
        long now = System.currentTimeMillis();
        boolean heartbeat = now >= nextHeartbeatMillis;
        if (heartbeat) {
            nextHeartbeatMillis = now + hub.settings().heartbeat().toMillis();
        }
        boolean checkpoint = now >= nextCheckpointMillis && position != null;
        if (checkpoint) {
            nextCheckpointMillis = now + hub.resumeSettings().checkpointInterval().toMillis();
        }
        Frame beat = hub.heartbeatFrame();
        Frame mark = checkpoint ? Frame.control("id: " + position + "\n\n") : null;
        QueueLimits limits = hub.settings().queue();
        for (int i = all.size() - 1; i >= 0 && i < all.size(); i--) {
            Subscriber subscriber = all.get(i);
            if (subscriber.expiresAtMillis() <= now) {
                subscriber.finish(hub.authExpiredFrame(), DisconnectReason.EXPIRED);
                continue;
            }
            boolean queued = heartbeat && subscriber.enqueue(beat, limits);
            if (mark != null && subscriber.live && subscriber.idSeq < lastSeq) {
                queued |= subscriber.enqueue(checkpointFor(subscriber, mark), limits);
                subscriber.idSeq = lastSeq;
            }
            if (queued) {
                subscriber.drain();
            }
        }
    }

    /**
     * A position checkpoint: an {@code id:} line and no data, so a quiet stream's last event id keeps up
     * with the topic (its resume stays short) without firing an event in the browser.
     */
    private Frame checkpointFor(Subscriber subscriber, Frame shared) {
        long[] floor = subscriber.floor;
        if (floor == null) {
            return shared;
        }
        long[] merged = ReplayBuffer.max(floor, positionVector);
        if (ReplayBuffer.atOrPast(positionVector, merged)) {
            subscriber.floor = null;
            return shared;
        }
        subscriber.floor = merged;
        return Frame.control("id: " + hub.encode(merged) + "\n\n");
    }

    /** Ends every stream of this shard with {@code reason} (used when draining). */
    void closeAll(DisconnectReason reason) {
        loop.execute(() -> {
            for (int i = all.size() - 1; i >= 0 && i < all.size(); i--) {
                all.get(i).close(reason, true);
            }
        });
    }

    /**
     * Ends every stream of this shard as {@link DisconnectReason#DRAINING}, each at a random moment of
     * the next {@code windowMillis}, so their clients reconnect elsewhere spread out, not all at once.
     */
    void drainOver(long windowMillis) {
        if (windowMillis <= 0) {
            closeAll(DisconnectReason.DRAINING);
            return;
        }
        loop.execute(() -> {
            java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
            for (int i = all.size() - 1; i >= 0; i--) {
                Subscriber subscriber = all.get(i);
                loop.schedule(() -> subscriber.close(DisconnectReason.DRAINING, true),
                        random.nextLong(windowMillis), TimeUnit.MILLISECONDS);
            }
        });
    }

    int size() {
        return all.size();
    }
}
