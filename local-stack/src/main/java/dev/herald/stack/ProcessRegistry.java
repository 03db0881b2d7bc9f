package dev.herald.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The stack's processes on disk: {@code run/<name>.pid} holds the pid, {@code run/<name>.started} the moment that
 * process started. A pid counts as the stack's only while a process with that pid lives and started at that moment,
 * so a pid the system has since given to another program is never stopped.
 */
final class ProcessRegistry {

    /**
     * How far two readings of one process's start may differ: the kernel counts it in clock ticks since boot, the
     * JDK adds the boot time in whole seconds. A new process on a reused pid starts much later than that.
     */
    static final Duration SAME_START = Duration.ofSeconds(1);

    private final Path dir;

    ProcessRegistry(Path dir) {
        this.dir = dir;
    }

    void record(String name, ProcessHandle process) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(pidFile(name), process.pid() + "\n");
        Optional<Instant> started = process.info().startInstant();
        if (started.isPresent()) {
            Files.writeString(startFile(name), started.get() + "\n");
        } else {
            Files.deleteIfExists(startFile(name));
        }
    }

    boolean recorded(String name) {
        return Files.isRegularFile(pidFile(name));
    }

    /** The recorded pid, when there is a readable pid file. */
    Optional<Long> pid(String name) {
        try {
            return Optional.of(Long.parseLong(Files.readString(pidFile(name)).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The stack's live process of this name: recorded, alive, and the one that was recorded (same start). */
    Optional<ProcessHandle> live(String name) {
        return pid(name)
                .flatMap(ProcessHandle::of)
                .filter(ProcessHandle::isAlive)
                .filter(process -> isRecordedProcess(process, recordedStart(name)));
    }

    void remove(String name) {
        try {
            Files.deleteIfExists(pidFile(name));
            Files.deleteIfExists(startFile(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The names with a pid file whose name starts with {@code prefix}, sorted. */
    List<String> names(String prefix) {
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return names;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, prefix + "*.pid")) {
            for (Path file : files) {
                String fileName = file.getFileName().toString();
                names.add(fileName.substring(0, fileName.length() - ".pid".length()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        names.sort(null);
        return names;
    }

    private Optional<Instant> recordedStart(String name) {
        try {
            return Optional.of(Instant.parse(Files.readString(startFile(name)).trim()));
        } catch (IOException | DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether {@code process} is the one recorded: it started when the record says. A record without a start time
     * (written by an older stack) accepts a live JVM, as the older stack did.
     */
    static boolean isRecordedProcess(ProcessHandle process, Optional<Instant> recordedStart) {
        if (recordedStart.isEmpty()) {
            return process.info()
                    .command()
                    .map(command -> command.endsWith("/java"))
                    .orElse(false);
        }
        return process.info()
                .startInstant()
                .map(started ->
                        Duration.between(started, recordedStart.get()).abs().compareTo(SAME_START) < 0)
                .orElse(false);
    }

    private Path pidFile(String name) {
        return dir.resolve(name + ".pid");
    }

    private Path startFile(String name) {
        return dir.resolve(name + ".started");
    }
}
