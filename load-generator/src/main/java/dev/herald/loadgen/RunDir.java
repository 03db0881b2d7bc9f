package dev.herald.loadgen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * The directory through which the processes of one benchmark run meet: subscribers write
 * {@code ready-<name>}, the producer (or the script, for the idle scenario) writes {@code done} with the
 * number of events sent, subscribers answer with {@code result-<name>.properties}.
 */
record RunDir(Path path) {

    static final String DONE = "done";

    void write(String name, Properties properties) {
        Path tmp = path.resolve(name + ".tmp");
        try (var out = Files.newBufferedWriter(tmp)) {
            properties.store(out, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Files.move(tmp, path.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Properties read(String name) {
        Properties properties = new Properties();
        try (var in = Files.newBufferedReader(path.resolve(name))) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }

    /** Waits until {@code name} exists; false on timeout. */
    boolean await(String name, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(path.resolve(name))) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(50_000_000L);
        }
        return true;
    }

    /** Waits until {@code count} files named {@code prefix*} exist and returns their names. */
    List<String> awaitCount(String prefix, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> names = list(prefix);
            if (names.size() >= count || System.nanoTime() > deadline) {
                return names;
            }
            LockSupport.parkNanos(100_000_000L);
        }
    }

    private List<String> list(String prefix) {
        try (Stream<Path> files = Files.list(path)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(prefix) && !n.endsWith(".tmp"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
