package dev.herald.stack;

import dev.herald.testsupport.KafkaBrokerSetup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * {@code ./stack up}: checks every port it will listen on, starts PostgreSQL, Kafka and the issuer, then notes-service
 * and the gateways, each once its dependencies answer; prints where everything is. A failure (or Ctrl-C) stops what
 * this run started.
 */
final class StackUp {

    private final StackConfig config;
    private final Supervisor supervisor;
    private final boolean infraOnly;
    private final String java;
    private final String classPath;
    private final List<String> started = new ArrayList<>();
    private final AtomicBoolean settled = new AtomicBoolean();

    StackUp(StackConfig config, Supervisor supervisor, boolean infraOnly) {
        this.config = config;
        this.supervisor = supervisor;
        this.infraOnly = infraOnly;
        this.java = Stack.java();
        this.classPath = Stack.classPath();
    }

    void run() throws IOException, InterruptedException {
        Files.createDirectories(config.runDir());
        Files.createDirectories(config.logDir());
        preflightPorts();
        config.save();
        Thread onInterrupt = new Thread(this::abortQuietly, "stack-up-abort");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        try {
            startAll();
            settled.set(true);
        } catch (StackException | IOException e) {
            System.err.println("stack: " + e.getMessage());
            abort();
            throw new StackExit(1);
        } finally {
            settled.set(true);
        }
        printUrls();
    }

    private void startAll() throws IOException, InterruptedException {
        startPostgres();
        startKafka();
        startIssuer();
        if (!config.externalDatabase()) {
            await("postgres", Duration.ofSeconds(120), () -> Probes.postgres(config.database()));
            say("  PostgreSQL ready on localhost:" + config.postgresPort());
        }
        if (!config.externalKafka()) {
            await("kafka", Duration.ofSeconds(120), () -> Probes.kafka(config.bootstrapServers()));
            say("  Kafka ready on " + config.bootstrapServers());
        }
        if (!config.externalIssuer()) {
            await("issuer", Duration.ofSeconds(60), () -> Probes.http(discovery(config.issuerUri())));
            say("  OIDC issuer ready at " + config.issuerUri());
        }
        if (infraOnly) {
            return;
        }
        if (startNotes()) {
            await(
                    "notes-service",
                    Duration.ofSeconds(180),
                    () -> Probes.http("http://localhost:" + config.notesPort() + "/actuator/health"));
            say("  notes-service ready on http://localhost:" + config.notesPort());
        }
        if (startGateways()) {
            for (Map.Entry<String, Integer> gateway : config.gateways().entrySet()) {
                await(
                        gateway.getKey(),
                        Duration.ofSeconds(180),
                        () -> Probes.http("http://localhost:" + gateway.getValue() + "/actuator/health"));
                say("  " + gateway.getKey() + " ready on http://localhost:" + gateway.getValue());
            }
        }
    }

    // --- ports ------------------------------------------------------------------------------------------------------

    /** Every port this run will listen on must be free before anything starts, so a clash never leaves half a stack. */
    private void preflightPorts() {
        ProcessRegistry registry = supervisor.registry();
        if (!config.externalDatabase() && registry.live("postgres").isEmpty()) {
            requireFree(config.postgresPort(), "PostgreSQL", "HERALD_POSTGRES_PORT");
        }
        if (!config.externalKafka() && registry.live("kafka").isEmpty()) {
            requireFree(config.kafkaPort(), "Kafka", "HERALD_KAFKA_PORT");
            requireFree(config.kafkaControllerPort(), "the Kafka controller", "HERALD_KAFKA_CONTROLLER_PORT");
        }
        if (!config.externalIssuer() && registry.live("issuer").isEmpty()) {
            requireFree(config.issuerPort(), "the OIDC issuer", "HERALD_ISSUER_PORT");
        }
        if (infraOnly) {
            return;
        }
        if (Stack.modulePresent(config, "notes-service")
                && registry.live("notes-service").isEmpty()) {
            requireFree(config.notesPort(), "notes-service", "HERALD_NOTES_PORT");
        }
        if (Stack.modulePresent(config, "sse-gateway")) {
            config.gateways().forEach((name, port) -> {
                if (registry.live(name).isEmpty()) {
                    requireFree(port, name, "HERALD_GATEWAY_PORTS");
                }
            });
        }
    }

    private static void requireFree(int port, String what, String variable) {
        if (Probes.listening(port)) {
            throw new StackException("port " + port + " for " + what + " is already in use" + PortOwner.of(port)
                    + ". Stop that program, or pick another port: " + variable + "=<port> ./stack up");
        }
    }

    static String discovery(String issuerUri) {
        return issuerUri + "/.well-known/openid-configuration";
    }

    // --- the processes ----------------------------------------------------------------------------------------------

    private void startPostgres() throws IOException {
        if (config.externalDatabase()) {
            say("PostgreSQL: using DATABASE_URL (" + config.database().jdbcUrl() + ")");
            return;
        }
        launch(
                "postgres",
                stackJvm(
                        "-Xmx96m",
                        "dev.herald.stack.StackPostgres",
                        "data-dir=" + config.stackDir().resolve("postgres"),
                        "port=" + config.postgresPort()),
                Map.of());
    }

    private void startKafka() throws IOException, InterruptedException {
        if (config.externalKafka()) {
            say("Kafka: using KAFKA_BOOTSTRAP_SERVERS (" + config.bootstrapServers() + ")");
            return;
        }
        if (alreadyRunning("kafka")) {
            return;
        }
        KafkaBrokerSetup broker = KafkaBrokerSetup.plaintext(
                        config.stackDir().resolve("kafka"), config.kafkaPort(), config.kafkaControllerPort())
                // notes-service creates notes.events itself; this is the default for any other topic
                .with("num.partitions", "6");
        broker.writeConfig();
        if (!broker.formatted()) {
            try {
                broker.format(java, classPath, config.log("kafka-format"));
            } catch (IOException e) {
                throw new StackException("formatting Kafka's storage failed; see " + config.log("kafka-format"));
            }
        }
        launch(
                "kafka",
                broker.brokerCommand(java, classPath, List.of("-Xms256m", "-Xmx512m", "-XX:+UseG1GC", Stack.LOGBACK)),
                Map.of());
    }

    private void startIssuer() throws IOException {
        if (config.externalIssuer()) {
            say("OIDC issuer: using HERALD_ISSUER_URI (" + config.issuerUri() + ")");
            return;
        }
        launch(
                "issuer",
                stackJvm(
                        "-Xmx160m",
                        "dev.herald.stack.StackIssuer",
                        "port=" + config.issuerPort(),
                        "issuer-id=" + StackConfig.ISSUER_ID,
                        "token-expiry=" + config.tokenExpirySeconds(),
                        "work-dir=" + config.stackDir().resolve("issuer")),
                Map.of());
    }

    /** Starts notes-service unless it runs; false when this checkout has no notes-service. */
    private boolean startNotes() throws IOException, InterruptedException {
        if (!Stack.modulePresent(config, "notes-service")) {
            say("notes-service: not in this checkout yet (no notes-service/pom.xml); skipped");
            return false;
        }
        if (alreadyRunning("notes-service")) {
            return true;
        }
        Path jar = serviceJar("notes-service");
        Map<String, String> environment = serviceEnvironment(config.notesPort());
        environment.put("SPRING_DATASOURCE_URL", config.database().jdbcUrl());
        environment.put("SPRING_DATASOURCE_USERNAME", config.database().user());
        environment.put("SPRING_DATASOURCE_PASSWORD", config.database().password());
        environment.put("HERALD_NOTES_CORS_ALLOWED_ORIGINS", String.join(",", config.gatewayUrls()));
        launch("notes-service", serviceJvm("notes-service", jar), environment);
        return true;
    }

    /** Starts every gateway that does not run; false when this checkout has no sse-gateway. */
    private boolean startGateways() throws IOException, InterruptedException {
        if (!Stack.modulePresent(config, "sse-gateway")) {
            say("sse-gateway: not in this checkout yet (no sse-gateway/pom.xml); skipped");
            return false;
        }
        Path jar = serviceJar("sse-gateway");
        List<String> command = serviceJvm("sse-gateway", jar);
        // the dashboard may move its stream to any instance: every instance knows them all and lets their pages in
        String urls = String.join(",", config.gatewayUrls());
        for (Map.Entry<String, Integer> gateway : config.gateways().entrySet()) {
            if (alreadyRunning(gateway.getKey())) {
                continue;
            }
            Map<String, String> environment = serviceEnvironment(gateway.getValue());
            environment.put("HERALD_GATEWAY_DASHBOARD_ISSUER", config.issuerUri());
            environment.put("HERALD_GATEWAY_DASHBOARD_NOTES_URL", "http://localhost:" + config.notesPort());
            environment.put("HERALD_GATEWAY_DASHBOARD_GATEWAYS", urls);
            environment.put("HERALD_GATEWAY_DASHBOARD_ALLOWED_ORIGINS", urls);
            launch(gateway.getKey(), command, environment);
        }
        return true;
    }

    private Path serviceJar(String module) {
        // every module's jar has one fixed name (<finalName> in the root pom)
        Path jar = config.root().resolve(module).resolve("target").resolve(module + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new StackException(module + " has no jar (run ./mvnw -pl " + module
                    + " -am package, or ./stack up without --no-build)");
        }
        return jar;
    }

    private Map<String, String> serviceEnvironment(int port) {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("SERVER_PORT", String.valueOf(port));
        environment.put("SPRING_KAFKA_BOOTSTRAP_SERVERS", config.bootstrapServers());
        environment.put("SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_ISSUER_URI", config.issuerUri());
        return environment;
    }

    private List<String> serviceJvm(String module, Path jar) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(config.serviceJavaOptions());
        command.addAll(
                new AotLaunch(java, config.serviceJavaOptions(), config.logDir()).arguments(module, jar, config.aot()));
        return command;
    }

    private List<String> stackJvm(String heap, String mainClass, String... arguments) {
        return Stream.concat(Stream.of(java, heap, Stack.LOGBACK, "-cp", classPath, mainClass), Stream.of(arguments))
                .toList();
    }

    private boolean alreadyRunning(String name) {
        Optional<ProcessHandle> live = supervisor.registry().live(name);
        live.ifPresent(process -> say(name + " is already running (pid " + process.pid() + ")"));
        return live.isPresent();
    }

    private void launch(String name, List<String> command, Map<String, String> environment) throws IOException {
        if (alreadyRunning(name)) {
            return;
        }
        ProcessHandle process = supervisor.start(name, command, environment);
        started.add(name);
        say("starting " + name + " (pid " + process.pid() + ", log " + config.log(name) + ")");
    }

    /** Polls {@code healthy} until it holds; fails when the process exits or time runs out. */
    private void await(String name, Duration timeout, BooleanSupplier healthy) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!healthy.getAsBoolean()) {
            if (supervisor.registry().live(name).isEmpty()) {
                failWithLog(name + " exited while starting", name);
            }
            if (System.nanoTime() > deadline) {
                failWithLog(name + " was not healthy within " + timeout.toSeconds() + " s", name);
            }
            Thread.sleep(500); // a poll interval, not a wait for a result: the probe above decides
        }
    }

    private void failWithLog(String what, String name) {
        Path log = config.log(name);
        StringBuilder message = new StringBuilder(what + "; the end of " + log + ":");
        try {
            List<String> lines = Files.readAllLines(log);
            lines.subList(Math.max(0, lines.size() - 25), lines.size())
                    .forEach(line -> message.append('\n').append(line));
        } catch (IOException e) {
            message.append("\n(no log)");
        }
        throw new StackException(message.toString());
    }

    // --- failure ----------------------------------------------------------------------------------------------------

    private void abortQuietly() {
        if (!settled.getAndSet(true)) {
            abort();
        }
    }

    private void abort() {
        System.err.println(
                "stack: start-up failed; stopping what this run started (logs stay in " + config.logDir() + ")");
        for (int i = started.size() - 1; i >= 0; i--) {
            supervisor.stop(started.get(i));
        }
    }

    // --- the summary ------------------------------------------------------------------------------------------------

    private void printUrls() {
        boolean gateways = !infraOnly && Stack.modulePresent(config, "sse-gateway");
        boolean notes = !infraOnly && Stack.modulePresent(config, "notes-service");
        say("");
        say(infraOnly ? "Herald's infrastructure is up (services not started)." : "Herald is up.");
        if (gateways) {
            say("  dashboard        http://localhost:" + config.gatewayPorts().getFirst()
                    + "/   (sign in as alice, bob or admin)");
        }
        if (notes) {
            say("  notes API        http://localhost:" + config.notesPort() + "/notes");
        }
        if (gateways) {
            config.gateways().forEach((name, port) -> say("  " + name + "    http://localhost:" + port + "/events"));
        }
        say("  OIDC issuer      " + config.issuerUri() + "   (discovery: " + discovery(config.issuerUri()) + ")");
        say("  Kafka            " + config.bootstrapServers() + "   (topic notes.events)");
        say("  PostgreSQL       " + config.database().jdbcUrl() + "   (user "
                + config.database().user() + ")");
        say("  logs             " + config.logDir() + "/");
        say("");
        say("  TOKEN=$(./stack token alice)");
        say("  curl -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json'"
                + " -d '{\"title\":\"hi\",\"content\":\"there\"}' http://localhost:" + config.notesPort() + "/notes");
        say("  ./stack down    stops everything");
    }

    private static void say(String line) {
        System.out.println(line);
    }
}
