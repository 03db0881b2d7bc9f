package dev.herald.notes.outbox;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** Health contributors: {@code kafka} (the cluster answers) and {@code outboxRelay} (leadership, backlog). */
final class OutboxHealth {

    private OutboxHealth() {
    }

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
                    return Health.up().withDetail("clusterId", id).withDetail("brokers", brokers).build();
                } catch (Exception e) {
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    if (admin != null) {
                        admin.close(java.time.Duration.ZERO); // no reconnect attempts until the next check
                        admin = null;
                    }
                    return Health.down().withDetail("error", e.getClass().getSimpleName()).build();
                }
            }
        };
    }

    /** Standing by is healthy: exactly one instance leads. The backlog is shown for operators. */
    static HealthIndicator relay(@Nullable OutboxRelay relay, OutboxBacklog backlog) {
        return () -> {
            Health.Builder health = Health.up();
            if (relay == null) {
                health.withDetail("relay", "disabled");
            } else {
                health.withDetail("relay", relay.isRunning() ? "running" : "stopped").withDetail("leader", relay.isLeader());
            }
            try {
                health.withDetail("backlog", backlog.pending()).withDetail("oldestPendingSeconds", backlog.oldestAge().toSeconds());
            } catch (RuntimeException e) {
                health.down().withDetail("error", "outbox table unreadable");
            }
            return health.build();
        };
    }
}
