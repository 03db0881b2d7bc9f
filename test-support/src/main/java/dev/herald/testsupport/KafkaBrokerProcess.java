package dev.herald.testsupport;

import java.io.IOException;
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
 * check are {@link KafkaBrokerSetup}'s, which {@code ./stack} uses too. The ports come from {@link FreePorts}; a
 * first start that finds one taken starts again on new ones.
 */
public final class KafkaBrokerProcess implements AutoCloseable {

    private final KafkaBrokerSetup setup;
    private @Nullable Process process;

    KafkaBrokerProcess(KafkaBrokerSetup setup) throws IOException {
        this.setup = setup;
        setup.writeConfig();
    }

    /** Formats storage and starts the broker; returns when it answers. */
    public static KafkaBrokerProcess start() throws Exception {
        return start(() -> new KafkaBrokerProcess(KafkaBrokerSetup.plaintext(
                Files.createTempDirectory("herald-kafka"), FreePorts.take(), FreePorts.take())));
    }

    /**
     * A broker with a second listener, SASL_PLAINTEXT with mechanism PLAIN, that lets in {@code users} (name to
     * password) at {@link #saslBootstrapServers()}; {@link #bootstrapServers()} stays open for the test's own clients.
     */
    public static KafkaBrokerProcess startWithSaslPlain(Map<String, String> users) throws Exception {
        if (users.isEmpty()) {
            throw new IllegalArgumentException("a SASL listener needs at least one user");
        }
        return start(() -> new KafkaBrokerProcess(KafkaBrokerSetup.plaintext(
                        Files.createTempDirectory("herald-kafka"), FreePorts.take(), FreePorts.take())
                .withSaslPlain(FreePorts.take(), Map.copyOf(users))));
    }

    /**
     * Starts a broker on the ports {@code onNewPorts} picks; when another process took one of them between the pick
     * and the bind, starts again on new ports (a first start only: a restart must keep its ports for its clients).
     */
    static KafkaBrokerProcess start(BrokerOnNewPorts onNewPorts) throws Exception {
        for (int attempt = 1; ; attempt++) {
            KafkaBrokerProcess broker = onNewPorts.create();
            broker.format();
            try {
                broker.restart();
                return broker;
            } catch (IllegalStateException e) {
                broker.kill();
                if (attempt == START_ATTEMPTS || !broker.lostAPort()) {
                    throw e;
                }
            }
        }
    }

    private static final int START_ATTEMPTS = 3;

    @FunctionalInterface
    interface BrokerOnNewPorts {
        KafkaBrokerProcess create() throws IOException;
    }

    /** Whether the broker's log says a listener could not bind its port. */
    private boolean lostAPort() throws IOException {
        Path log = setup.directory().resolve("broker.log");
        return Files.exists(log) && Files.readString(log).contains("Address already in use");
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
}
