package dev.herald.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.jspecify.annotations.Nullable;

/**
 * A real single-node KRaft broker in its own process (the broker jars come with spring-kafka-test, on the
 * classpath of every module's tests; the process runs with the caller's class path), on
 * fixed ports, so a test can kill it like a crash and start it again where clients expect it. The in-JVM
 * broker of spring-kafka-test cannot be restarted on a fixed port. The ports come from {@link FreePorts}; a first
 * start that finds one taken starts again on new ones.
 */
public final class KafkaBrokerProcess implements AutoCloseable {

    private final int port;
    /** The SASL_PLAINTEXT listener's port; 0: none. */
    private final int saslPort;

    private final Path directory;
    private final Path config;
    private @Nullable Process process;

    KafkaBrokerProcess(int port, int controllerPort, int saslPort, Map<String, String> saslUsers, Path directory)
            throws IOException {
        this.port = port;
        this.saslPort = saslPort;
        this.directory = directory;
        this.config = directory.resolve("server.properties");
        List<String> lines = new ArrayList<>(List.of(
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@localhost:" + controllerPort,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "log.dirs=" + directory.resolve("data"),
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "auto.create.topics.enable=false",
                "group.initial.rebalance.delay.ms=0"));
        if (saslUsers.isEmpty()) {
            lines.addAll(List.of(
                    "listeners=PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort,
                    "advertised.listeners=PLAINTEXT://localhost:" + port,
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"));
        } else {
            // the broker talks to itself on PLAINTEXT; SASL is the listener clients under test log in to
            StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
            saslUsers.forEach((user, password) -> jaas.append(" user_")
                    .append(user)
                    .append("=\"")
                    .append(password)
                    .append('"'));
            lines.addAll(List.of(
                    "listeners=PLAINTEXT://localhost:" + port + ",SASL://localhost:" + saslPort
                            + ",CONTROLLER://localhost:" + controllerPort,
                    "advertised.listeners=PLAINTEXT://localhost:" + port + ",SASL://localhost:" + saslPort,
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "sasl.enabled.mechanisms=PLAIN",
                    "listener.name.sasl.sasl.enabled.mechanisms=PLAIN",
                    "listener.name.sasl.plain.sasl.jaas.config=" + jaas.append(';')));
        }
        lines.add("");
        Files.writeString(config, String.join("\n", lines));
    }

    /** Formats storage and starts the broker; returns when it answers. */
    public static KafkaBrokerProcess start() throws Exception {
        return start(() -> new KafkaBrokerProcess(
                FreePorts.take(), FreePorts.take(), 0, Map.of(), Files.createTempDirectory("herald-kafka")));
    }

    /**
     * A broker with a second listener, SASL_PLAINTEXT with mechanism PLAIN, that lets in {@code users} (name to
     * password) at {@link #saslBootstrapServers()}; {@link #bootstrapServers()} stays open for the test's own clients.
     */
    public static KafkaBrokerProcess startWithSaslPlain(Map<String, String> users) throws Exception {
        if (users.isEmpty()) {
            throw new IllegalArgumentException("a SASL listener needs at least one user");
        }
        return start(() -> new KafkaBrokerProcess(
                FreePorts.take(),
                FreePorts.take(),
                FreePorts.take(),
                Map.copyOf(users),
                Files.createTempDirectory("herald-kafka")));
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
        Path log = directory.resolve("broker.log");
        return Files.exists(log) && Files.readString(log).contains("Address already in use");
    }

    /**
     * Kills the broker, deletes its data and starts it as a new cluster on the same ports: a cluster rebuilt
     * from scratch, with no topics.
     */
    public void wipeAndRestart() throws Exception {
        kill();
        Path data = directory.resolve("data");
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
        // Kafka's own ids never start with '-', which the format tool would read as an option
        String clusterId = Uuid.randomUuid().toString();
        Process format = java("kafka.tools.StorageTool", "format", "-t", clusterId, "-c", config.toString())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        directory.resolve("format.log").toFile()))
                .redirectErrorStream(true)
                .start();
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new IllegalStateException("kafka storage format failed, see " + directory.resolve("format.log"));
        }
    }

    public String bootstrapServers() {
        return "localhost:" + port;
    }

    /** The SASL_PLAINTEXT (PLAIN) listener of a broker started with {@link #startWithSaslPlain(Map)}. */
    public String saslBootstrapServers() {
        if (saslPort == 0) {
            throw new IllegalStateException("this broker has no SASL listener");
        }
        return "localhost:" + saslPort;
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
        process = java("kafka.Kafka", config.toString())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        directory.resolve("broker.log").toFile()))
                .redirectErrorStream(true)
                .start();
        Process started = process;
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly, "kafka-broker-process-stop"));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (true) {
                try {
                    admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000))
                            .nodes()
                            .get(3, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    if (System.nanoTime() > deadline || !process.isAlive()) {
                        throw new IllegalStateException(
                                "kafka broker did not start, see " + directory.resolve("broker.log"), e);
                    }
                }
            }
        }
    }

    private ProcessBuilder java(String mainClass, String... arguments) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                mainClass));
        command.addAll(List.of(arguments));
        return new ProcessBuilder(command);
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
