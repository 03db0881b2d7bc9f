package dev.herald.notes.bench;

import dev.herald.testsupport.HeraldIssuer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * notes-service as deployed: {@code java -jar} in its own JVM, against the given database, broker and this
 * process's issuer; its output goes to {@code target/notes-service-bench.log}. Optionally records a JFR
 * profile ({@value #JFR}) for the whole run.
 */
final class ServiceProcess implements AutoCloseable {

    static final String JFR = "target/notes-service.jfr";

    private final Process process;
    private final String baseUrl;
    private final boolean profiling;

    private ServiceProcess(Process process, String baseUrl, boolean profiling) {
        this.process = process;
        this.baseUrl = baseUrl;
        this.profiling = profiling;
    }

    static ServiceProcess start(String jar, String jdbcUrl, String bootstrapServers, boolean profile) throws Exception {
        if (!Files.isRegularFile(Path.of(jar))) {
            throw new IllegalArgumentException(
                    "no service jar at " + jar + " (build it: ./mvnw -pl notes-service -am package)");
        }
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms1g",
                "-Xmx1g",
                "-XX:+UseG1GC"));
        if (profile) {
            command.add("-XX:StartFlightRecording=filename=" + JFR + ",settings=profile,dumponexit=true");
        }
        command.addAll(List.of(
                "-jar",
                jar,
                "--server.port=" + port,
                "--spring.datasource.url=" + jdbcUrl,
                "--spring.datasource.username=postgres",
                "--spring.datasource.password=postgres",
                "--spring.datasource.hikari.maximum-pool-size=32",
                "--spring.kafka.bootstrap-servers=" + bootstrapServers,
                "--spring.security.oauth2.resourceserver.jwt.issuer-uri=" + HeraldIssuer.issuerUri(),
                "--logging.level.root=WARN"));
        Files.createDirectories(Path.of("target"));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(Path.of("target", "notes-service-bench.log").toFile())
                .start();
        ServiceProcess service = new ServiceProcess(process, "http://127.0.0.1:" + port, profile);
        service.awaitReady();
        return service;
    }

    private void awaitReady() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI readiness = URI.create(baseUrl + "/actuator/health/readiness");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("notes-service exited: see target/notes-service-bench.log");
            }
            try {
                if (http.send(
                                        HttpRequest.newBuilder(readiness)
                                                .timeout(Duration.ofSeconds(2))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
        throw new IllegalStateException("notes-service did not become ready: see target/notes-service-bench.log");
    }

    String baseUrl() {
        return baseUrl;
    }

    boolean profiling() {
        return profiling;
    }

    /** CPU time (user + system) the service's JVM has used so far, from {@code /proc}. */
    long cpuNanos() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14, 15)
        return ticks * 10_000_000L; // USER_HZ = 100
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM: graceful shutdown, and the JFR recording is dumped
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
