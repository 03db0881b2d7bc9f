package dev.herald.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;

/**
 * How Herald runs a real single-node KRaft broker (broker and controller in one {@code kafka.Kafka} process): its
 * {@code server.properties}, the storage format and the readiness check. {@link KafkaBrokerProcess} (tests) and
 * {@code ./stack} both run their broker through this class; each decides how the process is supervised.
 */
public final class KafkaBrokerSetup {

    private final Path directory;
    private final int port;
    private final int controllerPort;
    private final Map<String, String> extra = new LinkedHashMap<>();
    private int saslPort;
    private Map<String, String> saslUsers = Map.of();

    private KafkaBrokerSetup(Path directory, int port, int controllerPort) {
        this.directory = directory;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /** A broker with a PLAINTEXT listener on {@code port}, its controller on {@code controllerPort}, data in {@code directory/data}. */
    public static KafkaBrokerSetup plaintext(Path directory, int port, int controllerPort) {
        return new KafkaBrokerSetup(directory, port, controllerPort);
    }

    /** Adds a SASL_PLAINTEXT (PLAIN) listener on {@code saslPort} that lets in {@code users} (name to password). */
    public KafkaBrokerSetup withSaslPlain(int saslPort, Map<String, String> users) {
        if (users.isEmpty()) {
            throw new IllegalArgumentException("a SASL listener needs at least one user");
        }
        this.saslPort = saslPort;
        this.saslUsers = Map.copyOf(users);
        return this;
    }

    /** Sets (or overrides) one broker property. */
    public KafkaBrokerSetup with(String property, String value) {
        extra.put(property, value);
        return this;
    }

    public Path directory() {
        return directory;
    }

    public Path config() {
        return directory.resolve("server.properties");
    }

    public String bootstrapServers() {
        return "localhost:" + port;
    }

    public int saslPort() {
        return saslPort;
    }

    /** The broker's properties, one {@code key=value} per line. */
    public List<String> properties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("process.roles", "broker,controller");
        properties.put("node.id", "1");
        properties.put("controller.quorum.voters", "1@localhost:" + controllerPort);
        properties.put("controller.listener.names", "CONTROLLER");
        properties.put("inter.broker.listener.name", "PLAINTEXT");
        properties.put("log.dirs", directory.resolve("data").toString());
        // Herald's services create their topics with their partitions and retention
        properties.put("auto.create.topics.enable", "false");
        properties.put("offsets.topic.replication.factor", "1");
        properties.put("transaction.state.log.replication.factor", "1");
        properties.put("transaction.state.log.min.isr", "1");
        properties.put("share.coordinator.state.topic.replication.factor", "1");
        properties.put("share.coordinator.state.topic.min.isr", "1");
        properties.put("group.initial.rebalance.delay.ms", "0");
        if (saslUsers.isEmpty()) {
            properties.put("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
            properties.put("advertised.listeners", "PLAINTEXT://localhost:" + port);
            properties.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        } else {
            // the broker talks to itself on PLAINTEXT; SASL is the listener clients under test log in to
            StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
            saslUsers.forEach((user, password) -> jaas.append(" user_")
                    .append(user)
                    .append("=\"")
                    .append(password)
                    .append('"'));
            properties.put(
                    "listeners",
                    "PLAINTEXT://localhost:" + port + ",SASL://localhost:" + saslPort + ",CONTROLLER://localhost:"
                            + controllerPort);
            properties.put("advertised.listeners", "PLAINTEXT://localhost:" + port + ",SASL://localhost:" + saslPort);
            properties.put(
                    "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SASL:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT");
            properties.put("sasl.enabled.mechanisms", "PLAIN");
            properties.put("listener.name.sasl.sasl.enabled.mechanisms", "PLAIN");
            properties.put(
                    "listener.name.sasl.plain.sasl.jaas.config",
                    jaas.append(';').toString());
        }
        properties.putAll(extra);
        List<String> lines = new ArrayList<>();
        properties.forEach((key, value) -> lines.add(key + "=" + value));
        return lines;
    }

    /** Writes {@link #config()}; returns it. */
    public Path writeConfig() throws IOException {
        Files.createDirectories(directory);
        List<String> lines =
                new ArrayList<>(List.of("# a single-node KRaft broker (broker and controller in one process)"));
        lines.addAll(properties());
        Files.write(config(), lines);
        return config();
    }

    /** Whether the storage was formatted already (a broker that ran here keeps its cluster id and data). */
    public boolean formatted() {
        return Files.isRegularFile(directory.resolve("data").resolve("meta.properties"));
    }

    /**
     * Formats the storage as a new cluster with {@code kafka.tools.StorageTool}, run by {@code java} with the class
     * path {@code classPath}; its output goes to {@code log}.
     */
    public void format(String java, String classPath, Path log) throws IOException, InterruptedException {
        // Kafka's own ids never start with '-', which the format tool would read as an option
        String clusterId = Uuid.randomUuid().toString();
        Process format = new ProcessBuilder(
                        java,
                        "-Xmx256m",
                        "-cp",
                        classPath,
                        "kafka.tools.StorageTool",
                        "format",
                        "-t",
                        clusterId,
                        "-c",
                        config().toString())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true)
                .start();
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            format.destroyForcibly();
            throw new IOException("formatting Kafka's storage failed, see " + log);
        }
    }

    /** The command that runs the broker: {@code java <jvmOptions> -cp <classPath> kafka.Kafka <config>}. */
    public List<String> brokerCommand(String java, String classPath, List<String> jvmOptions) {
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classPath, "kafka.Kafka", config().toString()));
        return command;
    }

    /** Whether a broker at {@code bootstrapServers} describes its cluster within {@code timeout}. */
    public static boolean answers(String bootstrapServers, Duration timeout) {
        int millis = (int) timeout.toMillis();
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis))) {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(millis))
                    .nodes()
                    .get(millis + 1000L, TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Waits until the broker at {@code bootstrapServers} describes its cluster; false when {@code alive} turns false
     * (the process died) or {@code timeout} passes first.
     */
    public static boolean awaitReady(String bootstrapServers, Duration timeout, BooleanSupplier alive) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            while (true) {
                try {
                    admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000))
                            .nodes()
                            .get(3, TimeUnit.SECONDS);
                    return true;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                } catch (Exception e) {
                    if (System.nanoTime() > deadline || !alive.getAsBoolean()) {
                        return false;
                    }
                }
            }
        }
    }
}
