package dev.herald.stack;

import dev.herald.stack.StackScript.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;

import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The dashboard in a real browser: Debian's Chromium, driven by playwright-core from
 * {@code src/test/browser/dashboard-live.mjs} (its header tells the story step by step), against the whole local
 * stack started by {@code ./stack up} on free ports with its own state directory, and stopped again whatever happens.
 *
 * <p>alice, bob and admin sign in through the issuer (authorization code with PKCE) in browser contexts of their own;
 * alice's created, edited and deleted note reaches alice's and admin's pages live and never bob's; when the gateway
 * instance alice's page streams from stops, her page shows {@code reconnecting}, then goes live on the other instance
 * with the edit admin made meanwhile on it.
 *
 * <p>Skipped, saying how to install them, where Chromium or playwright-core is missing ({@code .ci/install-browser};
 * {@code .ci/run} calls it, so CI always runs this test). Uses the service jars the build made ({@code up --no-build}):
 * run it through the reactor ({@code ./mvnw verify}) or after {@code ./mvnw package}.
 */
class DashboardBrowserIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final String INSTALL = "run .ci/install-browser (as root or with sudo: it installs Debian's chromium "
            + "and, from local-stack/src/test/browser/package-lock.json, playwright-core) to run the browser test";
    /** Services start faster on a busy machine with C1 only and one GC thread; a test needs no peak performance. */
    private static final String SERVICE_JAVA_OPTS = "-Xmx384m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC";

    @TempDir
    Path stackDir;

    @Test
    void aliceAndAdminSeeAlicesChangesLiveBobSeesNoneAndAlicesPageMovesToTheOtherGatewayWhenHersStops() throws Exception {
        StackScript stack = StackScript.onFreePorts(stackDir).with("HERALD_SERVICE_JAVA_OPTS", SERVICE_JAVA_OPTS);
        Path browserTests = stack.root().resolve("local-stack/src/test/browser");
        assumeInstalled(Files.isExecutable(CHROMIUM), "no Chromium at " + CHROMIUM);
        Path node = onPath("node").orElse(null);
        assumeInstalled(node != null, "no node on the PATH");
        assumeInstalled(Files.isDirectory(browserTests.resolve("node_modules/playwright-core")),
                "playwright-core is not installed in " + browserTests);

        Result up = stack.run("up", "--no-build");
        try {
            assertThat(up.exitCode()).as("./stack up --no-build:%n%s", up.output()).isZero();
            runTheBrowserTest(stack, node, browserTests);
        } finally {
            Result down = stack.run("down"); // whatever happened
            keepStackLogs();
            assertThat(down.exitCode()).as("./stack down:%n%s", down.output()).isZero();
        }
    }

    /** Copies the processes' logs beside the screenshots, for reading a failure after the temp dir is gone. */
    private void keepStackLogs() throws IOException {
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

    private static void runTheBrowserTest(StackScript stack, Path node, Path browserTests) throws Exception {
        Path output = Path.of("target/browser").toAbsolutePath();
        Files.createDirectories(output);
        Path log = output.resolve("dashboard-live.log");

        ProcessBuilder builder = new ProcessBuilder(node.toString(), "dashboard-live.mjs")
                .directory(browserTests.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(stack.environment());
        builder.environment().putAll(Map.of(
                "HERALD_GATEWAYS", String.join(",", stack.gatewayUrls()),
                "HERALD_STACK_SCRIPT", stack.root().resolve("stack").toString(),
                "HERALD_SCREENSHOT_DIR", output.toString(),
                "HERALD_CHROMIUM", CHROMIUM.toString()));
        Process browser = builder.start();
        boolean finished = browser.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            stop(browser);
        }

        String steps = Files.readString(log);
        assertThat(finished).as("the browser test did not finish within 5 minutes:%n%s", steps).isTrue();
        assertThat(browser.exitValue()).as("the browser test failed (screenshots and log in %s):%n%s", output, steps)
                .isZero();
        assertThat(steps).contains("all checks passed");
    }

    /** Skips the test, saying so on the console too (a skip's reason otherwise shows only in the report). */
    private static void assumeInstalled(boolean installed, String missing) {
        if (!installed) {
            System.err.println("DashboardBrowserIT skipped: " + missing + "; " + INSTALL);
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
