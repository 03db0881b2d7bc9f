package dev.herald.stack;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The {@code ./stack} launcher: the commands of the local stack (the {@code stack} script only picks a JDK, builds
 * what is stale and runs this). State lives in {@code HERALD_STACK_DIR} ({@code .stack}): pid files under
 * {@code run/}, one log per process under {@code logs/}, the configuration {@code up} started with.
 */
public final class Stack {

    /**
     * The stack's JVMs read local-stack's logback.xml: test-support (its broker set-up) is on their class path, and
     * its logback-test.xml, meant for tests, would otherwise win.
     */
    static final String LOGBACK = "-Dlogback.configurationFile=logback.xml";

    private static final List<String> INFRASTRUCTURE = List.of("postgres", "kafka", "issuer");

    private final StackConfig config;
    private final Supervisor supervisor;

    private Stack(StackConfig config) {
        this.config = config;
        this.supervisor = new Supervisor(new ProcessRegistry(config.runDir()), config.logDir());
    }

    public static void main(String[] args) {
        int code;
        try {
            code = run(Arrays.asList(args));
        } catch (StackExit e) {
            code = e.code();
        } catch (StackException e) {
            System.err.println("stack: " + e.getMessage());
            code = 1;
        } catch (IOException e) {
            System.err.println("stack: " + e);
            code = 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            code = 130;
        }
        System.out.flush();
        System.exit(code);
    }

    static int run(List<String> args) throws IOException, InterruptedException {
        String command = args.isEmpty() ? "" : args.getFirst();
        List<String> rest = args.isEmpty() ? List.of() : args.subList(1, args.size());
        Path root = root();
        Map<String, String> environment = System.getenv();
        switch (command) {
            case "up" -> {
                boolean infraOnly = false;
                for (String option : rest) {
                    switch (option) {
                        case "--infra" -> infraOnly = true;
                        case "--no-build" -> {
                            // the stack script builds (or not) before it runs the launcher
                        }
                        default ->
                            throw new StackException(
                                    "unknown option for up: " + option + " (known: --infra, --no-build)");
                    }
                }
                Stack stack = new Stack(StackConfig.from(environment, root));
                new StackUp(stack.config, stack.supervisor, infraOnly).run();
                return 0;
            }
            case "down" -> {
                return new Stack(StackConfig.saved(environment, root)).down();
            }
            case "stop" -> {
                return new Stack(StackConfig.saved(environment, root)).stop(rest);
            }
            case "status" -> {
                return new Stack(StackConfig.saved(environment, root)).status();
            }
            case "token" -> {
                return new Stack(StackConfig.saved(environment, root)).token(rest);
            }
            case "logs" -> {
                return new Stack(StackConfig.from(environment, root)).logs(rest);
            }
            case "consume" -> {
                return new Stack(StackConfig.saved(environment, root)).consume(rest);
            }
            default -> {
                System.err.println("stack: unknown command: " + command + " (./stack help lists the commands)");
                return 2;
            }
        }
    }

    // --- down, stop -------------------------------------------------------------------------------------------------

    /** The names of everything the stack may run, in start order. */
    private List<String> allNames() {
        List<String> names = new ArrayList<>(INFRASTRUCTURE);
        names.add("notes-service");
        names.addAll(supervisor.registry().names("sse-gateway-"));
        return names;
    }

    private int down() {
        List<String> names = allNames();
        boolean stopped = false;
        for (int i = names.size() - 1; i >= 0; i--) {
            String name = names.get(i);
            if (supervisor.registry().recorded(name)) {
                if (supervisor.stop(name)) {
                    System.out.println("stopped " + name);
                }
                stopped = true;
            }
        }
        if (stopLeftoverPostgres()) {
            stopped = true;
        }
        if (!stopped) {
            System.out.println("nothing was running");
        }
        return 0;
    }

    /** A postmaster whose Java parent was killed hard still holds the data directory. */
    private boolean stopLeftoverPostgres() {
        Path pidFile = config.stackDir().resolve("postgres").resolve("postmaster.pid");
        Optional<ProcessHandle> postmaster;
        try {
            postmaster = Files.readAllLines(pidFile).stream()
                    .findFirst()
                    .map(String::trim)
                    .map(Long::parseLong)
                    .flatMap(ProcessHandle::of);
        } catch (IOException | NumberFormatException e) {
            return false;
        }
        Optional<ProcessHandle> leftover = postmaster
                .filter(ProcessHandle::isAlive)
                .filter(process -> process.info()
                        .command()
                        .map(c -> c.contains("postgres"))
                        .orElse(false));
        leftover.ifPresent(process -> {
            process.destroy();
            Supervisor.awaitExit(process, Duration.ofSeconds(30));
            System.out.println("stopped a leftover PostgreSQL server (pid " + process.pid() + ")");
        });
        return leftover.isPresent();
    }

    private int stop(List<String> args) {
        if (args.isEmpty() || args.getFirst().isBlank()) {
            throw new StackException("usage: ./stack stop <name>   (see ./stack status for the names)");
        }
        String name = args.getFirst();
        if (!allNames().contains(name) && !config.gateways().containsKey(name)) {
            throw new StackException("no process named " + name + " (see ./stack status)");
        }
        if (supervisor.stop(name)) {
            System.out.println("stopped " + name);
        } else {
            System.out.println(name + " is not running");
        }
        return 0;
    }

    // --- status -----------------------------------------------------------------------------------------------------

    private int status() {
        String format = "%-15s %-8s %-9s %-7s %s%n";
        System.out.printf(format, "PROCESS", "PID", "STATE", "HEALTH", "ADDRESS");
        Map<String, Row> rows = new LinkedHashMap<>();
        rows.put(
                "postgres",
                new Row(
                        config.externalDatabase(),
                        config.externalDatabase() ? config.database().jdbcUrl() : "localhost:" + config.postgresPort(),
                        () -> Probes.postgres(config.database())));
        rows.put(
                "kafka",
                new Row(
                        config.externalKafka(),
                        config.bootstrapServers(),
                        () -> Probes.kafka(config.bootstrapServers())));
        rows.put(
                "issuer",
                new Row(
                        config.externalIssuer(),
                        config.issuerUri(),
                        () -> Probes.http(StackUp.discovery(config.issuerUri()))));
        rows.put("notes-service", serviceRow(config.notesPort()));
        config.gateways().forEach((name, port) -> rows.put(name, serviceRow(port)));
        rows.forEach((name, row) -> {
            Optional<ProcessHandle> live = supervisor.registry().live(name);
            String health = live.isEmpty() ? "-" : row.healthy().getAsBoolean() ? "UP" : "DOWN";
            String state = row.external() ? "external" : live.isPresent() ? "running" : "stopped";
            String pid = live.map(process -> String.valueOf(process.pid())).orElse("-");
            System.out.printf(format, name, pid, state, health, row.address());
        });
        return 0;
    }

    private static Row serviceRow(int port) {
        String url = "http://localhost:" + port;
        return new Row(false, url, () -> Probes.http(url + "/actuator/health"));
    }

    private record Row(boolean external, String address, BooleanSupplier healthy) {}

    // --- token, logs, consume ---------------------------------------------------------------------------------------

    private int token(List<String> args) throws InterruptedException {
        if (args.isEmpty() || args.getFirst().isBlank()) {
            throw new StackException("usage: ./stack token <user>   (demo users: alice, bob, admin)");
        }
        try {
            System.out.println(DemoToken.fetch(URI.create(config.issuerUri()), args.getFirst()));
        } catch (IOException e) {
            throw new StackException("could not get a token from " + config.issuerUri() + ": " + e);
        }
        return 0;
    }

    private int logs(List<String> args) throws IOException, InterruptedException {
        if (args.isEmpty()) {
            if (!Files.isDirectory(config.logDir())) {
                System.out.println("no logs yet");
                return 0;
            }
            try (Stream<Path> logs = Files.list(config.logDir())) {
                logs.map(path -> path.getFileName().toString()).sorted().forEach(System.out::println);
            }
            return 0;
        }
        Path log = config.log(args.getFirst());
        if (!Files.isRegularFile(log)) {
            throw new StackException("no log " + log);
        }
        return new ProcessBuilder("tail", "-n", "100", "-f", log.toString())
                .inheritIO()
                .start()
                .waitFor();
    }

    private int consume(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                java(),
                "-Xmx256m",
                "-Dstack.log.level=WARN",
                LOGBACK,
                "-cp",
                classPath(),
                "org.apache.kafka.tools.consumer.ConsoleConsumer",
                "--bootstrap-server",
                config.bootstrapServers(),
                "--topic",
                "notes.events",
                "--from-beginning",
                "--consumer-property",
                "isolation.level=read_committed",
                "--property",
                "print.key=true",
                "--property",
                "print.headers=true",
                "--property",
                "key.separator= | "));
        command.addAll(args);
        return new ProcessBuilder(command).inheritIO().start().waitFor();
    }

    // --- shared -----------------------------------------------------------------------------------------------------

    static boolean modulePresent(StackConfig config, String module) {
        return Files.isRegularFile(config.root().resolve(module).resolve("pom.xml"));
    }

    /** The JDK the launcher runs on (the stack script picked a Java 25): every stack process uses it. */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** local-stack's jar and its dependencies: the class path of the launcher and of the stack's own processes. */
    static String classPath() {
        return System.getProperty("java.class.path");
    }

    /** The repository: the stack script runs the launcher from there ({@code herald.root} may say otherwise). */
    private static Path root() {
        return Path.of(System.getProperty("herald.root", "")).toAbsolutePath();
    }
}
