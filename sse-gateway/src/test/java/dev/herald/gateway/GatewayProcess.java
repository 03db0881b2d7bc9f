package dev.herald.gateway;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The gateway's boot jar in a process of its own, its output in a log file, on a port its server binds itself
 * ({@code --server.port=0}, read back from Boot's "Netty started on port N"): no other process can take the
 * port between a pick and the bind.
 */
public final class GatewayProcess implements AutoCloseable {

    private static final Pattern STARTED_ON_PORT = Pattern.compile("Netty started on port (\\d+)");

    private final Process process;
    private final Path log;
    private final int port;

    private GatewayProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /**
     * Starts {@code target/sse-gateway.jar} with {@code jvmOptions} and {@code arguments} (Spring Boot's
     * {@code --name=value}), writing its output to {@code log}; returns once its server listens.
     */
    public static GatewayProcess start(Path log, List<String> jvmOptions, List<String> arguments) throws IOException {
        Path jar = Path.of(System.getProperty("basedir", "."), "target", "sse-gateway.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no boot jar at " + jar.toAbsolutePath() + " (run verify, not test)");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-jar");
        command.add(jar.toString());
        command.add("--server.port=0");
        command.add("--spring.main.banner-mode=off");
        command.addAll(arguments);
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            return new GatewayProcess(process, log, boundPort(process, log));
        } catch (RuntimeException | Error e) {
            process.destroyForcibly();
            throw e;
        }
    }

    private static int boundPort(Process process, Path log) {
        int[] port = new int[1];
        await("the gateway's server listens")
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(250))
                .failFast("the gateway process ended, see " + log.toAbsolutePath(), () -> !process.isAlive())
                .until(() -> {
                    Matcher started = STARTED_ON_PORT.matcher(Files.readString(log, StandardCharsets.ISO_8859_1));
                    if (started.find()) {
                        port[0] = Integer.parseInt(started.group(1));
                        return true;
                    }
                    return false;
                });
        return port[0];
    }

    public int port() {
        return port;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path log() {
        return log;
    }

    /** The log's lines that contain any of {@code texts}, in order, read in one pass. */
    public List<String> logLinesWith(String... texts) throws IOException {
        try (Stream<String> lines = Files.lines(log, StandardCharsets.ISO_8859_1)) {
            return lines.filter(line -> Stream.of(texts).anyMatch(line::contains))
                    .toList();
        }
    }

    /** Kills the process as a crash would ({@code SIGKILL}) and waits for it to be gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
