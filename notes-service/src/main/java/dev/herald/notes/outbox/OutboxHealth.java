package dev.herald.notes.outbox;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** Health contributors: {@code kafka} (the cluster answers) and {@code outboxRelay} (leadership, backlog). */
final class OutboxHealth {

    private OutboxHealth() {}

    static HealthIndicator kafka(Map<String, Object> adminConfig) {
        return new HealthIndicator() {
            private @Nullable Admin admin;

            @Override
            public synchronized Health health() {
                try {
                    if (admin == null) {
                        admin = Admin.create(adminConfig);
                    }
                    var cluster = admin.describeCluster(new DescribeClusterOptions().timeoutMs(3000));
                    String id = cluster.clusterId().get(3, TimeUnit.SECONDS);
                    int brokers = cluster.nodes().get(3, TimeUnit.SECONDS).size();
                    return Health.up()
                            .withDetail("clusterId", id)
                            .withDetail("brokers", brokers)
                            .build();
                } catch (Exception e) {
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    if (admin != null) {
                        admin.close(Duration.ZERO); // no reconnect attempts until the next check
                        admin = null;
                    }
                    return Health.down()
                            .withDetail("error", e.getClass().getSimpleName())
                            .build();
                }
            }
        };
    }

    /**
     * Standing by is healthy: exactly one instance leads. DOWN when this instance's relay thread is dead while
     * it should run, while it is recovering from an unexpected error, or when the oldest pending event is older
     * than {@code maxPendingAge} (whichever instance leads: nothing is publishing). The backlog is shown.
     */
    static HealthIndicator relay(@Nullable OutboxRelay relay, OutboxBacklog backlog, Duration maxPendingAge) {
        return () -> {
            Health.Builder health = Health.up();
            if (relay == null) {
                health.withDetail("relay", "disabled");
            } else {
                boolean dead = relay.isRunning() && !relay.isThreadAlive();
                health.withDetail("relay", dead ? "dead" : relay.isRunning() ? "running" : "stopped")
                        .withDetail("leader", relay.isLeader());
                Throwable failure = relay.failure();
                if (dead) {
                    health.down();
                }
                if (failure != null) {
                    health.down().withDetail("lastError", failure.getClass().getName());
                }
            }
            try {
                Duration oldest = backlog.oldestAge();
                health.withDetail("backlog", backlog.pending()).withDetail("oldestPendingSeconds", oldest.toSeconds());
                if (oldest.compareTo(maxPendingAge) > 0) {
                    health.down()
                            .withDetail(
                                    "reason",
                                    "the oldest pending event is older than " + maxPendingAge.toSeconds() + " s");
                }
            } catch (RuntimeException e) {
                health.down().withDetail("error", "outbox table unreadable");
            }
            return health.build();
        };
    }
}
