package dev.herald.gateway.fanout;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A resuming stream on its way to the live stream. It runs on the stream's event loop in steps: each
 * step replays what the {@link ReplayBuffer} holds after the client's position, a chunk of bytes at a
 * time, and goes on when the socket has taken it; when the ring no longer holds the position, a Kafka read
 * ({@link Replayer}) brings it forward first. The last step replays up to the last batch its shard
 * delivered and joins the audience index in the same task, so the seam has no gap and no duplicate.
 *
 * <p>{@code position} is what the client has, per partition: everything before it that it may see was
 * sent. It only moves forward; replayed ids never go below it.
 */
final class CatchUp implements ReplayTarget {

    /** How long a stream waits when the replay queue is full, its user has a read running, or Kafka failed. */
    private static final long WAIT_FOR_KAFKA_MILLIS = 100;
    /** A user's own frames looked up at once: a user with a long backlog takes several steps. */
    private static final int OWN_FRAMES_PER_STEP = 256;

    private final ClientStream subscriber;
    private final Shard shard;
    private final long startedNanos = System.nanoTime();
    /** Owned by the event loop; readers get copies. */
    private long[] position;

    /**
     * Whether the last id the client has (brought, or sent since) encodes {@code position}; false once the position
     * moved past frames it was not sent, so going live owes it a checkpoint and no sooner.
     */
    private boolean idAtPosition = true;

    private volatile long[] snapshot;
    /** The next ring frame to look at, or -1 to look the start up again. */
    private long cursor = -1;

    private boolean usedKafka;

    CatchUp(ClientStream subscriber, Shard shard, long[] position) {
        this.subscriber = subscriber;
        this.shard = shard;
        this.position = position.clone();
        this.snapshot = this.position;
    }

    /** Replays what it can from memory; goes live, or waits for room, or asks Kafka. On the event loop. */
    void step() {
        if (!subscriber.isOpen() || subscriber.live) {
            return; // a second wake-up (drained, a retry) after the stream joined: nothing left to do
        }
        long chunk = shard.settings().replayChunkBytes();
        if (!subscriber.wantsMore(chunk)) {
            subscriber.whenDrained(this::step);
            return;
        }
        if (ReplayBuffer.atOrPast(position, shard.positionVector())) {
            // it has everything this shard delivered (a Kafka read took it to the end): nothing in the ring is for
            // it, whether or not the ring still reaches back to its position
            goLive();
            return;
        }
        ReplayBuffer ring = shard.ring();
        long upTo = shard.lastSeq();
        long s = cursor >= 0 ? cursor : ring.startFor(position, upTo);
        if (s == ReplayBuffer.NOT_COVERED) {
            toKafka();
            return;
        }
        if (!subscriber.admin()) {
            stepByOwner(ring, s, upTo, chunk);
            return;
        }
        Frame last = null;
        for (; s <= upTo; s++) {
            Frame frame = ring.get(s);
            if (frame == null) { // overwritten while this stream caught up: the rest comes from Kafka
                if (last != null) {
                    skipTo(last.after());
                }
                toKafkaNow();
                return;
            }
            last = frame;
            if (!replay(frame, s, chunk)) {
                return;
            }
        }
        if (last != null) {
            skipTo(last.after());
        }
        goLive();
    }

    /**
     * A user's replay from the ring's owner index: only the user's own frames from {@code s} to {@code upTo}
     * are visited, not every frame since its position; the rest is as in the scan above.
     */
    private void stepByOwner(ReplayBuffer ring, long s, long upTo, long chunk) {
        long[] own = ring.ofOwner(subscriber.userId(), s, upTo, OWN_FRAMES_PER_STEP);
        if (own == null) { // overwritten while this stream caught up: the rest comes from Kafka
            toKafkaNow();
            return;
        }
        for (long seq : own) {
            Frame frame = ring.get(seq);
            if (frame == null) {
                toKafkaNow();
                return;
            }
            if (!replay(frame, seq, chunk)) {
                return;
            }
        }
        if (own.length == OWN_FRAMES_PER_STEP) { // more of its own frames follow: look them up from here
            cursor = own[own.length - 1] + 1;
            shard.loop().execute(this::step);
            return;
        }
        // every frame up to upTo is either replayed or not the user's: it stands where the shard stands
        skipTo(shard.positionVector());
        goLive();
    }

    /** Moves the position over frames the client was not sent (not its own, or filtered out): its id stays behind. */
    private void skipTo(long[] at) {
        if (!ReplayBuffer.atOrPast(position, at)) {
            position = ReplayBuffer.maxInto(position, at);
            idAtPosition = false;
        }
    }

    private void goLive() {
        shard.goLive(
                subscriber, position, idAtPosition, usedKafka ? ResumeSource.KAFKA : ResumeSource.MEMORY, startedNanos);
    }

    /**
     * Queues ring frame {@code seq} if the client lacks it and wants it, its id never below what the client has.
     * Positions after frames only grow with the sequence, so the record of a later frame is never below an
     * earlier frame's position: comparing with what the client brought (and what was sent) suffices, and frames
     * it does not want cost no position arithmetic.
     *
     * @return whether to go on: false when the stream closed or has a chunk queued (the next step runs once its
     *     socket took it)
     */
    private boolean replay(Frame frame, long seq, long chunk) {
        if (frame.offset() < ReplayBuffer.at(position, frame.partition()) || !subscriber.wants(frame)) {
            return true;
        }
        boolean shared = ReplayBuffer.atOrPast(frame.after(), position);
        position = ReplayBuffer.maxInto(position, frame.after());
        Frame out = shared ? frame : frame.withId(shard.encode(position), position.clone());
        if (!subscriber.enqueue(out)) {
            return false; // closed
        }
        idAtPosition = true;
        subscriber.idSeq = frame.seq;
        if (!subscriber.wantsMore(chunk)) {
            cursor = seq + 1;
            subscriber.whenDrained(this::step);
            return false;
        }
        return true;
    }

    /** The ring no longer holds what comes next for this stream: what it queued goes out, the rest comes from Kafka. */
    private void toKafkaNow() {
        cursor = -1;
        subscriber.drain();
        toKafka();
    }

    private void toKafka() {
        usedKafka = true;
        snapshot = position.clone();
        Replayer replayer = shard.replayer();
        if (replayer == null) {
            reset(ResetReason.UNAVAILABLE);
            return;
        }
        if (!replayer.submit(this)) {
            shard.loop().schedule(this::step, WAIT_FOR_KAFKA_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    // ---- ReplayTarget: called by a Kafka reader thread.

    @Override
    public long[] from() {
        return snapshot.clone();
    }

    @Override
    public long roomBytes() {
        return shard.settings().replayChunkBytes();
    }

    @Override
    public String userId() {
        return subscriber.userId();
    }

    @Override
    public boolean isOpen() {
        return subscriber.isOpen();
    }

    @Override
    public boolean wants(String owner, int typeBit) {
        return subscriber.wants(owner, typeBit);
    }

    @Override
    public String encode(long[] at) {
        return shard.encode(at);
    }

    @Override
    public void deliver(List<Frame> frames, long[] read) {
        shard.loop().execute(() -> {
            if (!subscriber.isOpen()) {
                return;
            }
            for (Frame frame : frames) {
                if (!subscriber.enqueue(frame)) {
                    return;
                }
            }
            boolean moved = !ReplayBuffer.atOrPast(position, read);
            position = ReplayBuffer.maxInto(position, read);
            if (!frames.isEmpty()) { // each frame's id is the position after its record
                idAtPosition = ReplayBuffer.atOrPast(frames.getLast().after(), position);
            } else if (moved) { // nothing here was for it: its id still moves forward
                subscriber.enqueue(Frame.control("id: " + shard.encode(position) + "\n\n"));
                idAtPosition = true;
            }
            cursor = -1;
            subscriber.drain();
            step();
        });
    }

    @Override
    public void reset(ResetReason reason) {
        shard.loop().execute(() -> shard.reset(subscriber, reason, startedNanos));
    }

    @Override
    public void failed() {
        shard.loop().schedule(this::step, WAIT_FOR_KAFKA_MILLIS, TimeUnit.MILLISECONDS);
    }
}
