package dev.herald.gateway.fanout;

/**
 * Reads events a stream missed from Kafka when the {@link ReplayBuffer} no longer holds them: a
 * bounded pool of readers with a bounded queue (DESIGN §5: a reconnect storm must not open a Kafka
 * read per client).
 */
public interface Replayer {

    /** Queues a read for {@code target}; false when the queue is full (the stream tries again shortly). */
    boolean submit(ReplayTarget target);
}
