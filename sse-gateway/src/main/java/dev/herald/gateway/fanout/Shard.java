package dev.herald.gateway.fanout;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The streams of one Netty event loop and their audience index (user id → streams, admin streams).
 * Everything here runs on that loop: the index needs no locks, a delivery writes to sockets the loop
 * owns, and one event's fan-out is spread over all loops. One periodic task per shard sends
 * heartbeats, ends streams whose token expired and closes streams whose socket stalled; streams have no
 * timers of their own.
 */
final class Shard {

    private final EventLoop loop;
    private final Hub hub;
    private final HashMap<String, ArrayList<ClientStream>> byUser = new HashMap<>();
    private final ArrayList<ClientStream> admins = new ArrayList<>();
    private final ArrayList<ClientStream> all = new ArrayList<>();
    private final ArrayList<ClientStream> dirty = new ArrayList<>();
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
        this.nextCheckpointMillis =
                now + hub.resumeSettings().checkpointInterval().toMillis();
        loop.scheduleAtFixedRate(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    }

    EventLoop loop() {
        return loop;
    }

    HubSettings settings() {
        return hub.settings();
    }

    ReplayBuffer ring() {
        return hub.ring();
    }

    @Nullable
    Replayer replayer() {
        return hub.replayer();
    }

    /** Where this shard stands: after the last batch it delivered, per partition. On the loop. */
    long[] positionVector() {
        return positionVector;
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

    ClientStream newStream(
            String userId,
            boolean admin,
            int typeMask,
            long expiresAtMillis,
            io.netty.channel.Channel channel,
            ResumeIntent intent) {
        ClientStream stream = new ClientStream(userId, admin, typeMask, expiresAtMillis, channel, this, intent);
        register(stream);
        return stream;
    }

    /** Adds a stream to the index and queues its first frames; from here on it receives events. */
    void register(ClientStream stream) {
        if (loop.inEventLoop()) {
            add(stream);
        } else {
            loop.execute(() -> add(stream));
        }
    }

    private void add(ClientStream stream) {
        if (!stream.isOpen()) {
            return;
        }
        stream.slot = all.size();
        all.add(stream);
        switch (stream.takeIntent()) {
            case ResumeIntent.Reset reset -> {
                stream.enqueue(hub.connectedFrame(null));
                reset(stream, reset.reason(), System.nanoTime());
            }
            case ResumeIntent.From from -> {
                stream.enqueue(hub.connectedFrame(null)); // the client keeps its last id until replay moves it
                stream.drain();
                new CatchUp(stream, this, from.nextOffsets()).step();
            }
            case ResumeIntent.Fresh fresh -> {
                index(stream);
                String start = position != null ? position : hub.position();
                stream.idSeq = lastSeq;
                stream.enqueue(hub.connectedFrame(start));
                stream.drain();
            }
        }
    }

    private void index(ClientStream stream) {
        stream.live = true;
        if (stream.admin()) {
            admins.add(stream);
        } else {
            byUser.computeIfAbsent(stream.userId(), user -> new ArrayList<>(1)).add(stream);
        }
    }

    /**
     * A caught-up stream joins the index (on the loop, right after its last replayed frame): it stands at
     * {@code at}; where that is past this instance, it keeps a floor until the instance catches up. When its last
     * id already encodes {@code at} ({@code idAtAt}) and that is where this shard stands, it is owed no checkpoint
     * until an event moves the shard on (one would repeat the id it has).
     */
    void goLive(ClientStream stream, long[] at, boolean idAtAt, ResumeSource source, long startedNanos) {
        if (!stream.isOpen() || stream.live) {
            return;
        }
        if (idAtAt && ReplayBuffer.atOrPast(at, positionVector)) {
            stream.idSeq = lastSeq;
        }
        stream.floor = ReplayBuffer.atOrPast(positionVector, at) ? null : at;
        index(stream);
        stream.drain();
        hub.metrics().resumed(source, System.nanoTime() - startedNanos);
    }

    /** A stream whose position cannot be served: {@code event: reset} with the reason, then live from here. */
    void reset(ClientStream stream, ResetReason reason, long startedNanos) {
        if (!stream.isOpen() || stream.live) {
            return;
        }
        stream.idSeq = lastSeq;
        if (!stream.enqueue(hub.resetFrame(position, reason))) {
            return;
        }
        stream.floor = null;
        index(stream);
        stream.drain();
        hub.metrics().resumed(ResumeSource.RESET, System.nanoTime() - startedNanos);
    }

    /** Takes a stream out of the audience index: it gets no more events. Any thread. */
    void leave(ClientStream stream, DisconnectReason reason) {
        hub.metrics().disconnected(reason);
        onLoop(() -> unindex(stream));
    }

    /** Forgets a stream whose response is over and gives back its places in the limits. Any thread. */
    void forget(ClientStream stream) {
        hub.released(stream);
        onLoop(() -> {
            unindex(stream);
            int slot = stream.slot;
            if (slot < 0) {
                return; // never added: it ended before registration ran
            }
            stream.slot = -1;
            ClientStream last = all.removeLast();
            if (last != stream) {
                all.set(slot, last);
                last.slot = slot;
            }
        });
    }

    private void onLoop(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    private void unindex(ClientStream stream) {
        if (!stream.live) {
            return;
        }
        stream.live = false;
        if (stream.admin()) {
            admins.remove(stream);
        } else {
            ArrayList<ClientStream> streams = byUser.get(stream.userId());
            if (streams != null) {
                streams.remove(stream);
                if (streams.isEmpty()) {
                    byUser.remove(stream.userId());
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
            ArrayList<ClientStream> owners = byUser.get(frame.owner());
            if (owners != null) {
                for (int i = owners.size() - 1; i >= 0; i--) {
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
        long oldestHeld = hub.ring().oldest();
        for (int i = 0; i < dirty.size(); i++) {
            ClientStream stream = dirty.get(i);
            stream.dirty = false;
            if (stream.fellBehind(oldestHeld)) {
                stream.close(DisconnectReason.SLOW, true);
            } else {
                stream.drain();
            }
        }
        dirty.clear();
        hub.metrics().fannedOut(delivered, filtered);
    }

    /** Queues an event found for {@code stream} in the index, if the read rule and its filter let it through. */
    private boolean offer(ClientStream stream, Frame frame) {
        if (!stream.wants(frame)) {
            return false;
        }
        Frame out = frame;
        long[] floor = stream.floor;
        if (floor != null) { // the client is ahead of this instance on some partition
            if (frame.offset() < ReplayBuffer.at(floor, frame.partition())) {
                return false; // it has this one
            }
            long[] merged = ReplayBuffer.max(floor, frame.after());
            if (ReplayBuffer.atOrPast(frame.after(), merged)) {
                stream.floor = null;
            } else {
                stream.floor = merged;
                out = frame.withId(hub.encode(merged), merged);
            }
        }
        stream.idSeq = frame.seq;
        if (stream.enqueue(out) && !stream.dirty) {
            stream.dirty = true;
            dirty.add(stream);
        }
        return true;
    }

    /** The shard's one timer: token expiry, stalled sockets, heartbeats and checkpoints when due. */
    private void tick() {
        long now = System.currentTimeMillis();
        boolean heartbeat = now >= nextHeartbeatMillis;
        if (heartbeat) {
            nextHeartbeatMillis = now + hub.settings().heartbeat().toMillis();
        }
        boolean checkpoint = now >= nextCheckpointMillis && position != null;
        if (checkpoint) {
            nextCheckpointMillis =
                    now + hub.resumeSettings().checkpointInterval().toMillis();
        }
        Frame beat = hub.heartbeatFrame();
        Frame mark = checkpoint ? Frame.control("id: " + position + "\n\n") : null;
        long grace = hub.settings().slowGrace().toMillis();
        long oldestHeld = hub.ring().oldest();
        for (int i = all.size() - 1; i >= 0 && i < all.size(); i--) {
            ClientStream stream = all.get(i);
            if (stream.isStalledFor(now, grace) || stream.fellBehind(oldestHeld)) {
                stream.close(DisconnectReason.SLOW, true);
                continue;
            }
            if (!stream.isOpen()) {
                continue; // finishing: its last frame is on its way
            }
            if (stream.expiresAtMillis() <= now) {
                stream.finish(hub.authExpiredFrame(), DisconnectReason.EXPIRED);
                continue;
            }
            boolean queued = heartbeat && stream.enqueueIfIdle(beat);
            if (mark != null && stream.live && stream.idSeq < lastSeq) {
                queued |= stream.enqueue(checkpointFor(stream, mark));
                stream.idSeq = lastSeq;
            }
            if (queued) {
                stream.drain();
            }
        }
    }

    /**
     * A position checkpoint: an {@code id:} line and no data, so a quiet stream's last event id keeps up
     * with the topic (its resume stays short) without firing an event in the browser.
     */
    private Frame checkpointFor(ClientStream stream, Frame shared) {
        long[] floor = stream.floor;
        if (floor == null) {
            return shared;
        }
        long[] merged = ReplayBuffer.max(floor, positionVector);
        if (ReplayBuffer.atOrPast(positionVector, merged)) {
            stream.floor = null;
            return shared;
        }
        stream.floor = merged;
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
                ClientStream stream = all.get(i);
                loop.schedule(
                        () -> stream.close(DisconnectReason.DRAINING, true),
                        random.nextLong(windowMillis),
                        TimeUnit.MILLISECONDS);
            }
        });
    }

    int size() {
        return all.size();
    }
}
