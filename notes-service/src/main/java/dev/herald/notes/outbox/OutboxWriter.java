package dev.herald.notes.outbox;

import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.ServiceEventCodec;
import java.sql.Timestamp;
import java.sql.Types;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.SqlParameterValue;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Adds an event to the outbox inside the caller's transaction (it refuses to run outside one), with the
 * caller's trace context ({@link WriteTrace}), and wakes this instance's relay once that transaction has committed.
 */
@Component
public class OutboxWriter {

    private static final String INSERT =
            "insert into outbox (event_id, note_id, event_type, occurred_at, payload, owner, traceparent, tracestate)"
                    + " values (?, ?, ?, ?, ?, ?, ?, ?)";

    private final JdbcTemplate jdbc;
    private final ServiceEventCodec codec;
    private final RelayWakeUp wakeUp;

    OutboxWriter(JdbcTemplate jdbc, ServiceEventCodec codec, RelayWakeUp wakeUp) {
        this.jdbc = jdbc;
        this.codec = codec;
        this.wakeUp = wakeUp;
    }

    @Transactional(propagation = Propagation.MANDATORY)
    public void enqueue(ServiceEvent event) {
        WriteTrace trace = WriteTrace.current();
        jdbc.update(
                INSERT,
                event.id(),
                event.data().id(),
                event.cloudEventType(),
                Timestamp.from(event.timestamp()),
                codec.encode(event),
                event.owner(),
                text(trace.traceparent()),
                text(trace.tracestate()));
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                wakeUp.signal();
            }
        });
    }

    /** Typed, so a null needs no parameter metadata from the server. */
    private static SqlParameterValue text(@Nullable String value) {
        return new SqlParameterValue(Types.VARCHAR, value);
    }
}
