package dev.herald.notes.outbox;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.springframework.jdbc.core.JdbcTemplate;

/** Backlog gauges read from the table at scrape time: pending events and the age of the oldest one. */
public final class OutboxBacklog {

    private final JdbcTemplate jdbc;

    public OutboxBacklog(JdbcTemplate jdbc, MeterRegistry registry) {
        this.jdbc = jdbc;
        Gauge.builder("herald.outbox.backlog", this::pending)
                .description("events waiting in the outbox")
                .register(registry);
        TimeGauge.builder(
                        "herald.outbox.oldest.age",
                        this,
                        TimeUnit.MILLISECONDS,
                        backlog -> backlog.oldestAge().toMillis())
                .description("age of the oldest event waiting in the outbox")
                .register(registry);
    }

    public long pending() {
        Long count = jdbc.queryForObject("select count(*) from outbox", Long.class);
        return count == null ? 0 : count;
    }

    public Duration oldestAge() {
        Timestamp oldest = jdbc.query(
                "select enqueued_at from outbox order by id limit 1",
                result -> result.next() ? result.getTimestamp(1) : null);
        return oldest == null ? Duration.ZERO : Duration.between(oldest.toInstant(), Instant.now());
    }
}
