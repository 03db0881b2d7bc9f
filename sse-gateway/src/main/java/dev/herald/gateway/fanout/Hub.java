package dev.herald.gateway.fanout;

import dev.herald.gateway.resume.ResumePosition;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Where events meet streams. The consumer thread {@link #publish publishes} each polled batch once; the
 * hub hands it to every event loop's {@link Shard}, which looks the audience up in its index and queues
 * the shared frames. Cost per event grows with its recipients, not with the number of streams.
 * Also keeps the connection limits (per user, per instance).
 */
public final class Hub {

    private final HubSettings settings;
    private final GatewayMetrics metrics;
    private final ConcurrentHashMap<EventLoop, Shard> shardsByLoop = new ConcurrentHashMap<>();
    private final List<Shard> shards = new CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<String, Integer> streamsByUser = new ConcurrentHashMap<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final Frame heartbeat = Frame.control(": heartbeat\n\n");
    private final Frame authExpired = Frame.control("event: auth-expired\ndata: {\"type\":\"auth-expired\"}\n\n");
    private final ResumeSettings resumeSettings;
    private final ReplayBuffer ring;
    private final @Nullable Replayer replayer;
    private volatile @Nullable String position;
    private volatile long[] positionVector = new long[0];
    private volatile boolean accepting = true;
    private volatile boolean draining;

    /**
     * @param replayer the Kafka readers that serve resumes the replay buffer cannot; null where there are
     *                 none (such resumes then get a reset)
     */
    public Hub(
            HubSettings settings,
            ResumeSettings resumeSettings,
            ReplayBuffer ring,
            @Nullable Replayer replayer,
            GatewayMetrics metrics) {
        this.settings = settings;
        this.resumeSettings = resumeSettings;
        this.ring = ring;
        this.replayer = replayer;
        this.metrics = metrics;
        metrics.watchConnections(connections);
        metrics.watchDrain(() -> draining ? connections.get() : 0);
    }

    /**
     * Takes a place for a new stream of {@code userId}, or says which limit refuses it. An admitted
     * stream gives its places back when its response is over ({@link ClientStream#ended}).
     */
    public Admission admit(String userId) {
        if (!accepting) {
            metrics.disconnected(DisconnectReason.LIMIT);
            return Admission.DRAINING;
        }
        if (connections.incrementAndGet() > settings.maxConnections()) {
            connections.decrementAndGet();
            metrics.disconnected(DisconnectReason.LIMIT);
            return Admission.INSTANCE_LIMIT;
        }
        boolean[] full = new boolean[1];
        streamsByUser.compute(userId, (user, count) -> { // atomic per user: admit and giveBack never race
            int held = count == null ? 0 : count;
            full[0] = held >= settings.maxStreamsPerUser();
            return full[0] ? count : Integer.valueOf(held + 1);
        });
        if (full[0]) {
            connections.decrementAndGet();
            metrics.disconnected(DisconnectReason.LIMIT);
            return Admission.USER_LIMIT;
        }
        return Admission.ADMITTED;
    }

    /** Gives back a place taken by {@link #admit} for a stream that never opened. */
    public void cancelAdmission(String userId) {
        giveBack(userId);
    }

    private void giveBack(String userId) {
        connections.decrementAndGet();
        streamsByUser.computeIfPresent(userId, (user, count) -> count <= 1 ? null : count - 1);
    }

    /**
     * A stream of an admitted user on {@code channel}, resuming as {@code intent} says. It joins its event
     * loop's shard now, before its response headers go out: its frames wait in its queue until
     * {@link ClientStream#start} writes them.
     */
    public ClientStream open(
            String userId, boolean admin, int typeMask, long expiresAtMillis, Channel channel, ResumeIntent intent) {
        return shardFor(channel.eventLoop()).newStream(userId, admin, typeMask, expiresAtMillis, channel, intent);
    }

    void released(ClientStream stream) {
        giveBack(stream.userId());
    }

    private Shard shardFor(EventLoop loop) {
        Shard shard = shardsByLoop.get(loop);
        if (shard == null) {
            synchronized (this) { // a new shard starts exactly where the batches it is given begin
                shard = shardsByLoop.computeIfAbsent(loop, l -> {
                    Shard created = new Shard(l, this);
                    shards.add(created);
                    return created;
                });
            }
        }
        return shard;
    }

    /**
     * Delivers a batch of decoded events (consumer thread): appends them to the replay buffer, then hands
     * the batch to every event loop as one task. Never blocks on a client. {@code after} is where the
     * instance stands after the batch, {@code positionAfter} its encoding.
     */
    public void publish(List<Frame> frames, long[] after, String positionAfter) {
        synchronized (this) {
            for (Frame frame : frames) {
                ring.append(frame);
            }
            if (position != null) { // not before startAt: the start-up fill is read before streams are admitted
                position = positionAfter;
            }
            positionVector = after;
            for (Shard shard : shards) {
                shard.submit(frames, after, positionAfter);
            }
        }
    }

    /**
     * Where the instance stands once it has read what it reads at start-up (the replay buffer's fill):
     * from now on it admits streams.
     */
    public synchronized void startAt(long[] initial, String initialPosition) {
        positionVector = initial;
        position = initialPosition;
    }

    @Nullable
    String position() {
        return position;
    }

    /** Where the consumer starts reading at start-up: the replay buffer holds every event from here on. */
    public void bufferStartsAt(long[] start) {
        ring.startAt(start);
    }

    /** Events in the replay buffer. */
    public int bufferedEvents() {
        return ring.size();
    }

    long[] positionVector() {
        return positionVector;
    }

    ReplayBuffer ring() {
        return ring;
    }

    ResumeSettings resumeSettings() {
        return resumeSettings;
    }

    @Nullable
    Replayer replayer() {
        return replayer;
    }

    String encode(long[] at) {
        return ResumePosition.encode(resumeSettings.topicCheck(), at, at.length);
    }

    /**
     * Stops admitting streams (503 with Retry-After) and ends the open ones as
     * {@link DisconnectReason#DRAINING}, each at a random moment within {@code window}.
     */
    public void drain(Duration window) {
        accepting = false;
        draining = true;
        for (Shard shard : shards) {
            shard.drainOver(window.toMillis());
        }
    }

    public boolean isDraining() {
        return draining;
    }

    /** Whether the consumer has found its start position: events published from now on reach streams. */
    public boolean isReady() {
        return position != null;
    }

    /** Streams in the audience index of all event loops (read across threads: for tests and diagnostics). */
    public int indexedStreams() {
        int sum = 0;
        for (Shard shard : shards) {
            sum += shard.size();
        }
        return sum;
    }

    /** Admits streams again (a stopped application context that starts again). */
    public void accept() {
        accepting = true;
        draining = false;
    }

    public int connections() {
        return connections.get();
    }

    HubSettings settings() {
        return settings;
    }

    GatewayMetrics metrics() {
        return metrics;
    }

    Frame heartbeatFrame() {
        return heartbeat;
    }

    /** {@code event: reset}: the client's position cannot be served; it reloads its state, then goes on live. */
    Frame resetFrame(@Nullable String livePosition, ResetReason reason) {
        String id = livePosition == null ? "" : "id: " + livePosition + "\n";
        return Frame.control(id + "event: reset\ndata: {\"type\":\"reset\",\"reason\":\"" + reason.wire() + "\"}\n\n");
    }

    Frame authExpiredFrame() {
        return authExpired;
    }

    /**
     * {@code retry:}, then the connected frame, with the position the stream starts at as its id. The
     * retry hint is jittered per stream, so the clients of an instance that goes away do not all come
     * back in the same second.
     */
    Frame connectedFrame(@Nullable String startPosition) {
        long jitter = settings.retryJitter().toMillis();
        long retry = settings.retry().toMillis()
                + (jitter > 0 ? ThreadLocalRandom.current().nextLong(jitter + 1) : 0);
        String id = startPosition == null ? "" : "id: " + startPosition + "\n";
        return Frame.control("retry: " + retry + "\n" + id + "data: {\"type\":\"connected\"}\n\n");
    }

    long clockMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
