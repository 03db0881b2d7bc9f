package dev.herald.stack;

import dev.herald.testsupport.FreePorts;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the repository's {@code stack} script as a newcomer would, but on free ports and with its own state directory,
 * so a test never touches a developer's running stack (nor their {@code HERALD_*} settings).
 */
final class StackScript {

    /** The port variables of {@code ./stack}; the gateways' is a list of two. */
    private static final List<String> PORT_VARIABLES = List.of(
            "HERALD_POSTGRES_PORT",
            "HERALD_KAFKA_PORT",
            "HERALD_KAFKA_CONTROLLER_PORT",
            "HERALD_ISSUER_PORT",
            "HERALD_NOTES_PORT");

    record Result(int exitCode, String output) {}

    private final Path root;
    private final Map<String, String> environment = new HashMap<>();

    private StackScript(Path root, Path stackDir) {
        this.root = root;
        environment.put("HERALD_STACK_DIR", stackDir.toString());
        environment.put("JAVA_HOME", System.getProperty("java.home"));
    }

    /** The script of the repository this test runs in, every port free, state in {@code stackDir}. */
    static StackScript onFreePorts(Path stackDir) throws IOException {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.isExecutable(root.resolve("stack"))) {
            root = root.getParent();
        }
        StackScript stack = new StackScript(root, stackDir);
        for (String variable : PORT_VARIABLES) {
            stack.environment.put(variable, String.valueOf(FreePorts.take()));
        }
        stack.environment.put("HERALD_GATEWAY_PORTS", FreePorts.take() + " " + FreePorts.take());
        return stack;
    }

    /** Sets a variable for every later run (e.g. {@code HERALD_SERVICE_JAVA_OPTS}). */
    StackScript with(String variable, String value) {
        environment.put(variable, value);
        return this;
    }

    Path root() {
        return root;
    }

    /** The environment the script runs with: the ports, the state directory and the JDK. */
    Map<String, String> environment() {
        return Map.copyOf(environment);
    }

    int port(String variable) {
        return Integer.parseInt(environment.get(variable));
    }

    /** The gateways' base URLs, in the script's order (sse-gateway-1, -2). */
    List<String> gatewayUrls() {
        return List.of(environment.get("HERALD_GATEWAY_PORTS").split(" ")).stream()
                .map(port -> "http://localhost:" + port)
                .toList();
    }

    Result run(String... args) throws IOException, InterruptedException {
        return run(Map.of(), args);
    }

    /** {@code ./stack args...} with these variables on top; waits at most 6 minutes (a cold start on a busy machine). */
    Result run(Map<String, String> overrides, String... args) throws IOException, InterruptedException {
        List<String> command =
                new ArrayList<>(List.of("bash", root.resolve("stack").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder =
                new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.keySet()
                .removeIf(name -> name.startsWith("HERALD_")
                        || name.equals("DATABASE_URL")
                        || name.equals("KAFKA_BOOTSTRAP_SERVERS"));
        env.putAll(environment);
        env.putAll(overrides);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(6, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("./stack " + String.join(" ", args) + " did not finish:\n" + output);
        }
        return new Result(process.exitValue(), output);
    }

    static boolean listening(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
