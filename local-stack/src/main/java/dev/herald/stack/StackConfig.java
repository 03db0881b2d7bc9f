package dev.herald.stack;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The stack's configuration, from the environment ({@code HERALD_*}, {@code DATABASE_URL},
 * {@code KAFKA_BOOTSTRAP_SERVERS}; docs/operations.md has the table). {@code up} saves what it started with, so
 * {@code status}, {@code stop}, {@code token}, {@code consume} and {@code down} use that, whatever the shell has now.
 */
record StackConfig(
        Path root,
        Path stackDir,
        int postgresPort,
        int kafkaPort,
        int kafkaControllerPort,
        int issuerPort,
        int notesPort,
        List<Integer> gatewayPorts,
        List<String> serviceJavaOptions,
        DatabaseTarget database,
        boolean externalDatabase,
        String bootstrapServers,
        boolean externalKafka,
        String issuerUri,
        boolean externalIssuer,
        long tokenExpirySeconds,
        boolean aot) {

    static final String ISSUER_ID = "herald";
    private static final String STATE_FILE = "stack.properties";

    /** The variables {@code up} saves: the ports and the external systems, never a password. */
    private static final List<String> SAVED = List.of(
            "HERALD_POSTGRES_PORT",
            "HERALD_KAFKA_PORT",
            "HERALD_KAFKA_CONTROLLER_PORT",
            "HERALD_ISSUER_PORT",
            "HERALD_NOTES_PORT",
            "HERALD_GATEWAY_PORTS",
            "DATABASE_URL",
            "DATABASE_USERNAME",
            "KAFKA_BOOTSTRAP_SERVERS",
            "HERALD_ISSUER_URI");

    static StackConfig from(Map<String, String> environment, Path root) {
        Path stackDir = root.resolve(nonBlank(environment, "HERALD_STACK_DIR", ".stack"));
        int postgresPort = port(environment, "HERALD_POSTGRES_PORT", 15432);
        int kafkaPort = port(environment, "HERALD_KAFKA_PORT", 19092);
        String databaseUrl = nonBlank(environment, "DATABASE_URL", "");
        String bootstrap = nonBlank(environment, "KAFKA_BOOTSTRAP_SERVERS", "");
        int issuerPort = port(environment, "HERALD_ISSUER_PORT", 8090);
        String issuerUri = nonBlank(environment, "HERALD_ISSUER_URI", "").replaceAll("/+$", "");
        return new StackConfig(
                root,
                stackDir,
                postgresPort,
                kafkaPort,
                port(environment, "HERALD_KAFKA_CONTROLLER_PORT", 19093),
                issuerPort,
                port(environment, "HERALD_NOTES_PORT", 8080),
                gatewayPorts(nonBlank(environment, "HERALD_GATEWAY_PORTS", "8081 8082")),
                words(nonBlank(environment, "HERALD_SERVICE_JAVA_OPTS", "-Xmx512m")),
                databaseUrl.isEmpty()
                        ? DatabaseTarget.embedded(postgresPort)
                        : DatabaseTarget.parse(databaseUrl, environment),
                !databaseUrl.isEmpty(),
                bootstrap.isEmpty() ? "localhost:" + kafkaPort : bootstrap,
                !bootstrap.isEmpty(),
                issuerUri.isEmpty() ? "http://localhost:" + issuerPort + "/" + ISSUER_ID : issuerUri,
                !issuerUri.isEmpty(),
                Long.parseLong(nonBlank(environment, "HERALD_TOKEN_EXPIRY", "3600")),
                !nonBlank(environment, "HERALD_STACK_AOT", "1").equals("0"));
    }

    /** The configuration {@code up} saved in the stack directory of {@code environment}, over {@code environment}. */
    static StackConfig saved(Map<String, String> environment, Path root) {
        StackConfig current = from(environment, root);
        Path state = current.stackDir().resolve(STATE_FILE);
        if (!Files.isRegularFile(state)) {
            return current;
        }
        Properties saved = new Properties();
        try (Reader in = Files.newBufferedReader(state)) {
            saved.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> merged = new HashMap<>(environment);
        SAVED.forEach(merged::remove);
        saved.stringPropertyNames().forEach(name -> merged.put(name, saved.getProperty(name)));
        return from(merged, root);
    }

    void save() throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("HERALD_POSTGRES_PORT", String.valueOf(postgresPort));
        values.put("HERALD_KAFKA_PORT", String.valueOf(kafkaPort));
        values.put("HERALD_KAFKA_CONTROLLER_PORT", String.valueOf(kafkaControllerPort));
        values.put("HERALD_ISSUER_PORT", String.valueOf(issuerPort));
        values.put("HERALD_NOTES_PORT", String.valueOf(notesPort));
        values.put(
                "HERALD_GATEWAY_PORTS",
                String.join(" ", gatewayPorts.stream().map(String::valueOf).toList()));
        if (externalDatabase) {
            // the JDBC form carries no password; status and down need none
            values.put("DATABASE_URL", database.jdbcUrl());
            values.put("DATABASE_USERNAME", database.user());
        }
        if (externalKafka) {
            values.put("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers);
        }
        if (externalIssuer) {
            values.put("HERALD_ISSUER_URI", issuerUri);
        }
        Properties state = new Properties();
        state.putAll(values);
        Files.createDirectories(stackDir);
        try (Writer out = Files.newBufferedWriter(stackDir.resolve(STATE_FILE))) {
            state.store(out, "written by ./stack up: the configuration status, token and down use");
        }
    }

    Path runDir() {
        return stackDir.resolve("run");
    }

    Path logDir() {
        return stackDir.resolve("logs");
    }

    Path log(String name) {
        return logDir().resolve(name + ".log");
    }

    /** The gateways' names and ports in order: sse-gateway-1, sse-gateway-2, ... */
    Map<String, Integer> gateways() {
        Map<String, Integer> gateways = new LinkedHashMap<>();
        for (int i = 0; i < gatewayPorts.size(); i++) {
            gateways.put("sse-gateway-" + (i + 1), gatewayPorts.get(i));
        }
        return gateways;
    }

    List<String> gatewayUrls() {
        return gatewayPorts.stream().map(port -> "http://localhost:" + port).toList();
    }

    static List<Integer> gatewayPorts(String value) {
        List<Integer> ports = new ArrayList<>();
        for (String word : words(value.replace(',', ' '))) {
            ports.add(parsePort("HERALD_GATEWAY_PORTS", word));
        }
        return List.copyOf(ports);
    }

    private static List<String> words(String value) {
        return Arrays.stream(value.trim().split("\\s+"))
                .filter(word -> !word.isEmpty())
                .toList();
    }

    private static String nonBlank(Map<String, String> environment, String name, String fallback) {
        String value = environment.get(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    private static int port(Map<String, String> environment, String name, int fallback) {
        String value = environment.get(name);
        return value == null || value.isBlank() ? fallback : parsePort(name, value.trim());
    }

    private static int parsePort(String name, String value) {
        try {
            int port = Integer.parseInt(value);
            if (port > 0 && port < 65536) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new StackException(name + " must be a port number (1-65535), got: " + value);
    }
}
