package dev.herald.stack;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * How a service's JVM is started: from its extracted jar with the JVM's ahead-of-time cache (classes loaded and
 * linked by a training run), as the images do, about half the time to ready of {@code java -jar}. Prepared once per
 * build, beside the jar in {@code target/stack-app}, so every stack directory shares it. A failed training run only
 * costs the speed-up. The cache records the class path: the training run and the service name the jar by the same
 * absolute path.
 */
final class AotLaunch {

    /** notes-service must not need its database while it records (no migration, no schema access). */
    private static final Map<String, List<String>> TRAINING_ARGS = Map.of(
            "notes-service",
            List.of(
                    "--spring.flyway.enabled=false",
                    "--spring.jpa.hibernate.ddl-auto=none",
                    "--spring.jpa.properties.hibernate.boot.allow_jdbc_metadata_access=false",
                    "--spring.jpa.database-platform=org.hibernate.dialect.PostgreSQLDialect"));

    private final String java;
    private final List<String> javaOptions;
    private final Path logDir;

    AotLaunch(String java, List<String> javaOptions, Path logDir) {
        this.java = java;
        this.javaOptions = javaOptions;
        this.logDir = logDir;
    }

    /** The java arguments (after the options) that start {@code module} from {@code jar}. */
    List<String> arguments(String module, Path jar, boolean aot) throws IOException, InterruptedException {
        if (!aot) {
            return List.of("-jar", jar.toString());
        }
        Path dir = jar.resolveSibling("stack-app");
        Path app = dir.resolve("app");
        String source = jar + " " + Files.size(jar) + " "
                + Files.getLastModifiedTime(jar).toMillis() / 1000;
        Path sourceFile = dir.resolve("source");
        if (!Files.isRegularFile(sourceFile) || !Files.readString(sourceFile).equals(source)) {
            System.err.println(module + ": preparing the JVM's AOT cache (once per build, about 20 s) ...");
            Path log = logDir.resolve(module + "-aot.log");
            if (prepare(module, jar, dir, log)) {
                Files.writeString(sourceFile, source);
            } else {
                System.err.printf(
                        "stack: %s: the AOT training run failed (see %s); starting it with java -jar%n", module, log);
                delete(dir);
                return List.of("-jar", jar.toString());
            }
        }
        return List.of(
                "-XX:AOTCache=" + app.resolve("app.aot"),
                "-jar",
                app.resolve("app.jar").toString());
    }

    private boolean prepare(String module, Path jar, Path dir, Path log) throws IOException, InterruptedException {
        delete(dir);
        Files.createDirectories(dir);
        Files.createDirectories(logDir);
        Files.deleteIfExists(log);
        // extracted under the name the images use (the extracted jar takes its source's name)
        Files.copy(jar, dir.resolve("app.jar"), StandardCopyOption.REPLACE_EXISTING);
        Path app = dir.resolve("app");
        if (!run(
                List.of(
                        java,
                        "-Djarmode=tools",
                        "-jar",
                        dir.resolve("app.jar").toString(),
                        "extract",
                        "--destination",
                        app.toString()),
                log)) {
            return false;
        }
        List<String> training = new ArrayList<>(List.of(java));
        training.addAll(javaOptions);
        training.addAll(List.of(
                "-XX:AOTCacheOutput=" + app.resolve("app.aot"),
                "-Dspring.context.exit=onRefresh",
                "-jar",
                app.resolve("app.jar").toString(),
                "--server.port=0"));
        training.addAll(TRAINING_ARGS.getOrDefault(module, List.of()));
        return run(training, log) && Files.isRegularFile(app.resolve("app.aot"));
    }

    private static boolean run(List<String> command, Path log) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true)
                .start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            return false;
        }
        return process.exitValue() == 0;
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
