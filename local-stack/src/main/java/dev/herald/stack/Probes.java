package dev.herald.stack;

import dev.herald.testsupport.KafkaBrokerSetup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/** Readiness by asking each service itself: a JDBC connection, the broker's cluster description, an HTTP 200. */
final class Probes {

    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private Probes() {}

    static boolean postgres(DatabaseTarget database) {
        Properties properties = new Properties();
        properties.setProperty("user", database.user());
        properties.setProperty("password", database.password());
        properties.setProperty("connectTimeout", String.valueOf(TIMEOUT.toSeconds()));
        properties.setProperty("socketTimeout", String.valueOf(TIMEOUT.toSeconds()));
        try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), properties)) {
            return connection.isValid((int) TIMEOUT.toSeconds());
        } catch (SQLException e) {
            return false;
        }
    }

    static boolean kafka(String bootstrapServers) {
        return KafkaBrokerSetup.answers(bootstrapServers, TIMEOUT);
    }

    /** A GET answered 200 (actuator health answers 503 while a component is down). */
    static boolean http(String url) {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).GET().build();
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build()) {
            return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Whether something accepts connections on this local port. */
    static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) TIMEOUT.toMillis());
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
