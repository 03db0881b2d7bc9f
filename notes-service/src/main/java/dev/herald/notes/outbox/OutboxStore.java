package dev.herald.notes.outbox;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The relay's SQL, on its own dedicated session: the advisory lock that makes it leader, reading
 * pending rows in id order (bounded by rows and by bytes), deleting acknowledged rows and dead-lettering
 * refused ones. Autocommit; {@code synchronous_commit} is off for this session only: a lost delete just
 * means a duplicate (same event id) after a database crash.
 *
 * <p>The session is leased: the server ends it when it stays idle for {@code lease} (the relay froze or its
 * host vanished with the connection still open) and its keepalives and TCP user timeout give up on a peer
 * that stopped answering within the same time. Either way the session ends and the advisory lock with it.
 */
final class OutboxStore implements AutoCloseable {

    /**
     * The first rows in id order while the bytes before each stay under the bound: the payloads' sizes come
     * from their headers (no detoasting), and rows past the bound are never sent to the relay.
     */
    private static final String FETCH = """
            select id, event_id, note_id, event_type, occurred_at, payload, owner, traceparent, tracestate from (
              select id, event_id, note_id, event_type, occurred_at, payload, owner, traceparent, tracestate,
                     sum(octet_length(payload)) over (order by id rows unbounded preceding) - octet_length(payload) as before
              from (select * from outbox order by id limit ?) first_rows
            ) batch
            where before < ?
            order by id""";

    private static final String DELETE = "delete from outbox where id = any(?)";
    private static final String DEAD_LETTER = """
            with moved as (delete from outbox where id = ?
                           returning id, event_id, note_id, event_type, occurred_at, payload, owner, traceparent, tracestate)
            insert into outbox_dead_letter (id, event_id, note_id, event_type, occurred_at, payload, owner, traceparent,
                                            tracestate, error)
            select id, event_id, note_id, event_type, occurred_at, payload, owner, traceparent, tracestate, ? from moved""";

    private final Connection connection;
    private final PreparedStatement fetch;
    private final PreparedStatement delete;

    OutboxStore(Connection connection, Duration lease) throws SQLException {
        this.connection = connection;
        connection.setAutoCommit(true);
        long leaseMillis = lease.toMillis();
        long keepaliveSeconds = Math.max(1, lease.toSeconds() / 6);
        try (Statement statement = connection.createStatement()) {
            statement.execute("set synchronous_commit = off");
            statement.execute("set idle_session_timeout = " + leaseMillis);
            statement.execute("set tcp_keepalives_idle = " + keepaliveSeconds);
            statement.execute("set tcp_keepalives_interval = " + keepaliveSeconds);
            statement.execute("set tcp_keepalives_count = 3");
            statement.execute("set tcp_user_timeout = " + leaseMillis);
        }
        this.fetch = connection.prepareStatement(FETCH);
        this.delete = connection.prepareStatement(DELETE);
    }

    /** Session-level: held until released or until this session ends (the process died, the link broke). */
    boolean tryLock(long key) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select pg_try_advisory_lock(?)")) {
            statement.setLong(1, key);
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                return result.getBoolean(1);
            }
        }
    }

    List<OutboxRow> fetch(int limit, long maxBytes) throws SQLException {
        fetch.setInt(1, limit);
        fetch.setLong(2, maxBytes);
        List<OutboxRow> rows = new ArrayList<>(Math.min(limit, 1024));
        try (ResultSet result = fetch.executeQuery()) {
            while (result.next()) {
                rows.add(new OutboxRow(
                        result.getLong(1),
                        result.getObject(2, UUID.class),
                        result.getObject(3, UUID.class),
                        result.getString(4),
                        result.getTimestamp(5).toInstant(),
                        result.getBytes(6),
                        result.getString(7),
                        result.getString(8),
                        result.getString(9)));
            }
        }
        return rows;
    }

    void delete(List<Long> ids) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        Array array = connection.createArrayOf("bigint", ids.toArray());
        delete.setArray(1, array);
        delete.executeUpdate();
        array.free();
    }

    void deadLetter(long id, String error) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(DEAD_LETTER)) {
            statement.setLong(1, id);
            statement.setString(2, error);
            statement.executeUpdate();
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // the session is gone either way, and with it the lock
        }
    }
}
