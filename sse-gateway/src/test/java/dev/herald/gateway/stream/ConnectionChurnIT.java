package dev.herald.gateway.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.gateway.GatewayIntegrationTest;
import dev.herald.gateway.SseTestClient;
import dev.herald.gateway.fanout.ClientStream;
import dev.herald.testsupport.HeraldIssuer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

class ConnectionChurnIT extends GatewayIntegrationTest {

    private static final int CYCLES = 1_000;
    /**
     * The heap is the whole test JVM's, in-JVM Kafka broker included, whose own background work after the
     * heavier tests moves it by megabytes; the stream's own objects are counted exactly below.
     */
    private static final long ALLOWED_GROWTH = 16L * 1024 * 1024;

    @Test
    void connectionCountAndHeapReturnToBaselineAfterAThousandConnectDisconnectCycles() throws Exception {
        String token = HeraldIssuer.token(unique("churn"), "user");
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.connections() == 0 && hub.indexedStreams() == 0);
        warmUp(token);
        long baseline = usedHeapAfterGc();
        try (SseTestClient open = connect(token)) { // the count below sees a stream that is there
            assertThat(liveInstances(ClientStream.class.getName())).isGreaterThanOrEqualTo(1);
        }

        for (int i = 0; i < CYCLES; i++) {
            try (SseTestClient stream = connect(token)) {
                assertThat(stream.status()).isEqualTo(200);
            }
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> hub.connections() == 0 && hub.indexedStreams() == 0);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> liveInstances(ClientStream.class.getName()) == 0
                        && liveInstances(ClientStream.class.getName() + "$Watcher") == 0);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> usedHeapAfterGc() < baseline + ALLOWED_GROWTH);
    }

    /** Live objects of a class after a full collection (the JVM's own class histogram). */
    private static long liveInstances(String className) throws Exception {
        ObjectName diagnostics = new ObjectName("com.sun.management:type=DiagnosticCommand");
        String histogram = (String) ManagementFactory.getPlatformMBeanServer()
                .invoke(diagnostics, "gcClassHistogram", new Object[] {null}, new String[] {String[].class.getName()});
        for (String line : histogram.split("\n")) {
            String[] columns = line.trim().split("\\s+");
            if (columns.length >= 4 && columns[3].equals(className)) {
                return Long.parseLong(columns[1]);
            }
        }
        return 0;
    }

    private void warmUp(String token) {
        for (int i = 0; i < 50; i++) {
            try (SseTestClient stream = connect(token)) {
                assertThat(stream.status()).isEqualTo(200);
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.connections() == 0);
    }

    private static long usedHeapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }
}
