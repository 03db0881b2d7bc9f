package dev.herald.notes.outbox;

import java.time.Duration;

import dev.herald.contracts.Topics;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/** {@code herald.outbox.*}: the topic the relay publishes to and how the relay runs. */
@ConfigurationProperties("herald.outbox")
public record OutboxProperties(@DefaultValue Topic topic, @DefaultValue Relay relay) {

    /**
     * The topic, created at start-up when missing.
     *
     * @param replicationFactor -1 takes the broker's default
     */
    public record Topic(
            @DefaultValue(Topics.NOTES_EVENTS) String name,
            @DefaultValue("6") int partitions,
            @DefaultValue("-1") short replicationFactor,
            @DefaultValue("7d") Duration retention) {
    }

    /**
     * @param enabled             whether this instance takes part in the leader election at all
     * @param batchSize           outbox rows read and published per round
     * @param pollInterval        how often the leader looks for rows written by other instances (its own
     *                            instance's commits wake it at once)
     * @param leaderRetryInterval how often a standby tries to take the lock
     * @param lockKey             the PostgreSQL advisory lock key that elects the leader
     * @param transactionalId     shared by every relay so Kafka fences a stale leader; blank for plain
     *                            idempotent sends without transactions
     * @param maxBackoff          the longest wait between attempts while Kafka fails
     * @param sendTimeout         how long one batch may wait for the broker before it is retried
     */
    public record Relay(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("1000") int batchSize,
            @DefaultValue("200ms") Duration pollInterval,
            @DefaultValue("1s") Duration leaderRetryInterval,
            @DefaultValue("7346025871234501") long lockKey,
            @DefaultValue("herald-outbox-relay") String transactionalId,
            @DefaultValue("2s") Duration maxBackoff,
            @DefaultValue("10s") Duration sendTimeout) {

        public boolean transactional() {
            return !transactionalId.isBlank();
        }
    }
}
