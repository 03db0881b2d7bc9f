package dev.herald.stack;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts the stack's processes detached from the launcher (they outlive it; output to {@code logs/<name>.log}) and
 * stops them by handle: SIGTERM, up to 30 s, then SIGKILL, and whatever the process left behind (a postmaster,
 * say) is told to stop too.
 */
final class Supervisor {

    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    /** setsid: a session of its own, so a Ctrl-C in the terminal reaches the launcher, never the stack's processes. */
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private final ProcessRegistry registry;
    private final Path logDir;

    Supervisor(ProcessRegistry registry, Path logDir) {
        this.registry = registry;
        this.logDir = logDir;
    }

    ProcessRegistry registry() {
        return registry;
    }

    /** Starts {@code command} as {@code name} with these variables on top of the launcher's environment. */
    ProcessHandle start(String name, List<String> command, Map<String, String> environment) throws IOException {
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        if (Files.exists(log)) {
            Files.move(log, logDir.resolve(name + ".log.previous"), StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> full = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            // setsid execs the command in the same process (the child of a JVM leads no process group), same pid
            full.add(SETSID.toString());
        }
        full.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(full)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(log.toFile())
                .redirectErrorStream(true);
        builder.environment().putAll(environment);
        ProcessHandle process = builder.start().toHandle();
        registry.record(name, process);
        return process;
    }

    /** Stops the named process if it is the stack's; false when it was not running. */
    boolean stop(String name) {
        Optional<ProcessHandle> live = registry.live(name);
        if (live.isEmpty()) {
            registry.remove(name);
            return false;
        }
        ProcessHandle process = live.get();
        List<ProcessHandle> leftBehind = process.descendants().toList();
        process.destroy();
        if (!awaitExit(process, STOP_GRACE)) {
            System.err.printf(
                    "stack: %s (pid %d) did not stop within %d s; killing it%n",
                    name, process.pid(), STOP_GRACE.toSeconds());
            leftBehind.forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            awaitExit(process, Duration.ofSeconds(10));
        }
        for (ProcessHandle child : leftBehind) {
            if (child.isAlive()) {
                child.destroy();
                awaitExit(child, Duration.ofSeconds(10));
            }
        }
        registry.remove(name);
        return true;
    }

    static boolean awaitExit(ProcessHandle process, Duration timeout) {
        try {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }
}
