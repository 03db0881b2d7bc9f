package dev.herald.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessRegistryTest {

    @TempDir
    Path runDir;

    private final ProcessHandle self = ProcessHandle.current();

    @Test
    void aRecordedLiveProcessIsTheStacksAndThePidFileHoldsThePidAlone() throws Exception {
        ProcessRegistry registry = new ProcessRegistry(runDir);

        registry.record("issuer", self);

        assertThat(Files.readString(runDir.resolve("issuer.pid")).trim()).isEqualTo(String.valueOf(self.pid()));
        assertThat(registry.live("issuer")).contains(self);
        assertThat(registry.recorded("issuer")).isTrue();
    }

    @Test
    void aPidNowHeldByAProcessThatStartedLaterIsNotTheStacks() throws Exception {
        ProcessRegistry registry = new ProcessRegistry(runDir);
        registry.record("kafka", self);
        Instant started = self.info().startInstant().orElseThrow();
        // as if the recorded process had died and the system had given its pid to this JVM an hour later
        Files.writeString(runDir.resolve("kafka.started"), started.minus(Duration.ofHours(1)) + "\n");

        assertThat(registry.live("kafka")).isEmpty();
        assertThat(registry.recorded("kafka")).isTrue();
    }

    @Test
    void aPidWithNoProcessIsNotTheStacks() throws Exception {
        Process finished = new ProcessBuilder("true").start();
        finished.waitFor();
        ProcessRegistry registry = new ProcessRegistry(runDir);
        registry.record("postgres", finished.toHandle());

        assertThat(registry.live("postgres")).isEmpty();
    }

    @Test
    void aRecordWithoutAStartTimeAcceptsOnlyAJvm() throws Exception {
        assertThat(ProcessRegistry.isRecordedProcess(self, Optional.empty())).isTrue();

        Process sleeper = new ProcessBuilder("sleep", "30").start();
        try {
            assertThat(ProcessRegistry.isRecordedProcess(sleeper.toHandle(), Optional.empty()))
                    .isFalse();
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void removeForgetsTheProcessAndNamesListsTheGateways() throws Exception {
        ProcessRegistry registry = new ProcessRegistry(runDir);
        registry.record("sse-gateway-2", self);
        registry.record("sse-gateway-1", self);
        registry.record("notes-service", self);

        assertThat(registry.names("sse-gateway-")).containsExactly("sse-gateway-1", "sse-gateway-2");

        registry.remove("sse-gateway-1");
        assertThat(registry.live("sse-gateway-1")).isEmpty();
        assertThat(runDir.resolve("sse-gateway-1.started")).doesNotExist();
        assertThat(registry.names("sse-gateway-")).containsExactly("sse-gateway-2");
    }
}
