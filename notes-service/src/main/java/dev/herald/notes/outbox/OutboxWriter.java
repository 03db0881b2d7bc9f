package dev.herald.notes.outbox;

import java.sql.Timestamp;

import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.ServiceEventCodec;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Adds an event to the outbox inside the caller's transaction (it refuses to run outside one), and
 * wakes this instance's relay once that transaction has committed.
 */
@Component
public class OutboxWriter {

    private static final String INSERT =
            "insert into outbox (event_id, note_id, event_type, occurred_at, payload, owner) values (?, ?, ?, ?, ?, ?)";

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
        jdbc.update(INSERT, event.id(), event.data().id(), event.cloudEventType(),
                Timestamp.from(event.timestamp()), codec.encode(event), event.owner());
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                wakeUp.signal();
            }
        });
    }
}
