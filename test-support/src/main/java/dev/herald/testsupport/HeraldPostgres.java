package dev.herald.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A real PostgreSQL server from embedded binaries (io.zonky.test), one per JVM. As root it runs the
 * server through {@code unshare -U}, which zonky does by itself where unshare is available. Each test
 * class takes a fresh database from {@link #newDatabase(String)} so classes never see each other's rows.
 */
public final class HeraldPostgres {

    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static volatile @Nullable EmbeddedPostgres server;

    private HeraldPostgres() {}

    /** The shared server, started on first use. */
    public static synchronized EmbeddedPostgres server() {
        EmbeddedPostgres current = server;
        if (current == null) {
            try {
                current = EmbeddedPostgres.builder()
                        .setServerConfig("max_connections", "300")
                        .setServerConfig("shared_buffers", "256MB")
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException("could not start embedded PostgreSQL", e);
            }
            server = current;
            Runtime.getRuntime().addShutdownHook(new Thread(HeraldPostgres::stop, "herald-postgres-stop"));
        }
        return current;
    }

    public static int port() {
        return server().getPort();
    }

    /** Creates an empty database named after {@code prefix} and returns its JDBC URL. */
    public static String newDatabase(String prefix) {
        String name =
                (prefix.replaceAll("[^A-Za-z0-9]", "_") + "_" + DATABASES.incrementAndGet()).toLowerCase(Locale.ROOT);
        try (Connection connection = server().getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + name, e);
        }
        return jdbcUrl(name);
    }

    public static String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + port() + "/" + database;
    }

    private static synchronized void stop() {
        EmbeddedPostgres current = server;
        if (current != null) {
            try {
                current.close();
            } catch (IOException ignored) {
                // the JVM is exiting; the data directory is temporary
            }
            server = null;
        }
    }
}
