package dev.herald.notes.outbox;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The relay's SQL, on its own dedicated session: the advisory lock that makes it leader, reading
 * pending rows in id order, deleting acknowledged rows and dead-lettering refused ones. Autocommit;
 * {@code synchronous_commit} is off for this session only: a lost delete just means a duplicate
 * (same event id) after a database crash.
 */
final class OutboxStore implements AutoCloseable {

    private static final String FETCH =
            "select id, event_id, note_id, event_type, occurred_at, payload from outbox order by id limit ?";
    private static final String DELETE = "delete from outbox where id = any(?)";
    private static final String DEAD_LETTER = """
            with moved as (delete from outbox where id = ? returning id, event_id, note_id, event_type, occurred_at, payload)
            insert into outbox_dead_letter (id, event_id, note_id, event_type, occurred_at, payload, error)
            select id, event_id, note_id, event_type, occurred_at, payload, ? from moved""";

    private final Connection connection;
    private final PreparedStatement fetch;
    private final PreparedStatement delete;

    OutboxStore(Connection connection) throws SQLException {
        this.connection = connection;
        connection.setAutoCommit(true);
        try (Statement statement = connection.createStatement()) {
            statement.execute("set synchronous_commit = off");
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

    List<OutboxRow> fetch(int limit) throws SQLException {
        fetch.setInt(1, limit);
        List<OutboxRow> rows = new ArrayList<>(Math.min(limit, 1024));
        try (ResultSet result = fetch.executeQuery()) {
            while (result.next()) {
                rows.add(new OutboxRow(result.getLong(1), result.getObject(2, UUID.class), result.getObject(3, UUID.class),
                        result.getString(4), result.getTimestamp(5).toInstant(), result.getBytes(6)));
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
