package dev.herald.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A real single-node KRaft broker in its own process (the broker jars come with spring-kafka-test, on the
 * classpath of every module's tests; the process runs with the caller's class path), on
 * fixed ports, so a test can kill it like a crash and start it again where clients expect it. The in-JVM
 * broker of spring-kafka-test cannot be restarted on a fixed port. Its configuration, storage format and readiness
 * check are {@link KafkaBrokerSetup}'s, which {@code ./stack} uses too.
 */
public final class KafkaBrokerProcess implements AutoCloseable {

    private final KafkaBrokerSetup setup;
    private @Nullable Process process;

    private KafkaBrokerProcess(KafkaBrokerSetup setup) throws IOException {
        this.setup = setup;
        setup.writeConfig();
    }

    /** Formats storage and starts the broker; returns when it answers. */
    public static KafkaBrokerProcess start() throws Exception {
        return start(new KafkaBrokerProcess(
                KafkaBrokerSetup.plaintext(Files.createTempDirectory("herald-kafka"), freePort(), freePort())));
    }

    /**
     * A broker with a second listener, SASL_PLAINTEXT with mechanism PLAIN, that lets in {@code users} (name to
     * password) at {@link #saslBootstrapServers()}; {@link #bootstrapServers()} stays open for the test's own clients.
     */
    public static KafkaBrokerProcess startWithSaslPlain(Map<String, String> users) throws Exception {
        return start(new KafkaBrokerProcess(
                KafkaBrokerSetup.plaintext(Files.createTempDirectory("herald-kafka"), freePort(), freePort())
                        .withSaslPlain(freePort(), users)));
    }

    private static KafkaBrokerProcess start(KafkaBrokerProcess broker) throws Exception {
        broker.format();
        broker.restart();
        return broker;
    }

    /**
     * Kills the broker, deletes its data and starts it as a new cluster on the same ports: a cluster rebuilt
     * from scratch, with no topics.
     */
    public void wipeAndRestart() throws Exception {
        kill();
        Path data = setup.directory().resolve("data");
        if (Files.exists(data)) {
            try (var paths = Files.walk(data)) {
                for (Path path :
                        paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        format();
        restart();
    }

    private void format() throws Exception {
        setup.format(
                java(), System.getProperty("java.class.path"), setup.directory().resolve("format.log"));
    }

    public String bootstrapServers() {
        return setup.bootstrapServers();
    }

    /** The SASL_PLAINTEXT (PLAIN) listener of a broker started with {@link #startWithSaslPlain(Map)}. */
    public String saslBootstrapServers() {
        if (setup.saslPort() == 0) {
            throw new IllegalStateException("this broker has no SASL listener");
        }
        return "localhost:" + setup.saslPort();
    }

    /** Kills the broker as a crash would (SIGKILL). */
    public void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            process = null;
        }
    }

    /** Starts the broker (again) on the same ports and data; returns when it answers. */
    public void restart() throws Exception {
        Process started = new ProcessBuilder(
                        setup.brokerCommand(java(), System.getProperty("java.class.path"), List.of("-Xmx512m")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        setup.directory().resolve("broker.log").toFile()))
                .redirectErrorStream(true)
                .start();
        process = started;
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly, "kafka-broker-process-stop"));
        if (!KafkaBrokerSetup.awaitReady(bootstrapServers(), Duration.ofSeconds(90), started::isAlive)) {
            throw new IllegalStateException(
                    "kafka broker did not start, see " + setup.directory().resolve("broker.log"));
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
