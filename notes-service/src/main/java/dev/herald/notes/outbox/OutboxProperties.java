package dev.herald.notes.outbox;

import dev.herald.contracts.Topics;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/** {@code herald.outbox.*}: the topic the relay publishes to and how the relay runs. */
@ConfigurationProperties("herald.outbox")
public record OutboxProperties(
        @DefaultValue Topic topic, @DefaultValue Relay relay) {

    /**
     * The topic, created at start-up when missing.
     *
     * @param name              the topic the relay publishes to
     * @param partitions        partitions when the relay creates the topic
     * @param replicationFactor replication when the relay creates the topic; -1 takes the broker's default
     * @param retention         {@code retention.ms} when the relay creates the topic
     */
    public record Topic(
            @DefaultValue(Topics.NOTES_EVENTS) String name,
            @DefaultValue("6") int partitions,
            @DefaultValue("-1") short replicationFactor,
            @DefaultValue("7d") Duration retention) {}

    /**
     * @param enabled             whether this instance takes part in the leader election at all
     * @param batchSize           outbox rows read and published per round, at most
     * @param maxBatchBytes       event bytes read and published per round, at most (a single larger event
     *                            still goes alone): what one round holds in memory
     * @param pollInterval        how often the leader looks for rows written by other instances (its own
     *                            instance's commits wake it at once)
     * @param leaderRetryInterval how often a standby tries to take the lock
     * @param lockKey             the PostgreSQL advisory lock key that elects the leader
     * @param transactionalId     shared by every relay so Kafka fences a stale leader; blank for plain
     *                            idempotent sends without transactions
     * @param maxBackoff          the longest wait between attempts while Kafka fails
     * @param sendTimeout         how long one batch may wait for the broker before it is retried
     * @param leaseTimeout        how long the leader's database session may stay silent (a frozen process, a
     *                            vanished host) before PostgreSQL ends it, which releases the lock to a standby
     * @param maxPendingAge       health reports the relay DOWN while the oldest pending event is older
     * @param restartBackoff      the longest wait before the relay loop restarts after an unexpected error
     */
    public record Relay(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("1000") int batchSize,
            @DefaultValue("8MB") DataSize maxBatchBytes,
            @DefaultValue("200ms") Duration pollInterval,
            @DefaultValue("1s") Duration leaderRetryInterval,
            @DefaultValue("7346025871234501") long lockKey,
            @DefaultValue("herald-outbox-relay") String transactionalId,
            @DefaultValue("2s") Duration maxBackoff,
            @DefaultValue("10s") Duration sendTimeout,
            @DefaultValue("30s") Duration leaseTimeout,
            @DefaultValue("60s") Duration maxPendingAge,
            @DefaultValue("10s") Duration restartBackoff) {

        public Relay {
            if (batchSize < 1 || maxBatchBytes.toBytes() < 1) {
                throw new IllegalArgumentException(
                        "herald.outbox.relay.batch-size and max-batch-bytes must be positive");
            }
            // the leader talks to its session at least every poll interval, backoff or send timeout: the lease
            // must outlast all of them, or a healthy leader would lose its session
            Duration longestSilence =
                    max(max(pollInterval, leaderRetryInterval), max(maxBackoff, sendTimeout.multipliedBy(2)));
            if (leaseTimeout.compareTo(longestSilence.plusSeconds(1)) < 0) {
                throw new IllegalArgumentException(
                        "herald.outbox.relay.lease-timeout (" + leaseTimeout
                                + ") must exceed poll-interval, leader-retry-interval, max-backoff and twice send-timeout by 1s");
            }
        }

        private static Duration max(Duration a, Duration b) {
            return a.compareTo(b) >= 0 ? a : b;
        }

        public boolean transactional() {
            return !transactionalId.isBlank();
        }
    }
}
