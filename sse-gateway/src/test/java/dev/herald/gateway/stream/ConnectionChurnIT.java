package dev.herald.gateway.stream;

import dev.herald.gateway.GatewayIntegrationTest;
import dev.herald.gateway.SseTestClient;
import dev.herald.testsupport.HeraldIssuer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ConnectionChurnIT extends GatewayIntegrationTest {

    private static final int CYCLES = 1_000;
    private static final long ALLOWED_GROWTH = 4L * 1024 * 1024;

    @Test
    void connectionCountAndHeapReturnToBaselineAfterAThousandConnectDisconnectCycles() {
        String token = HeraldIssuer.token(unique("churn"), "user");
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.connections() == 0 && hub.indexedStreams() == 0);
        warmUp(token);
        long baseline = usedHeapAfterGc();

        for (int i = 0; i < CYCLES; i++) {
            try (SseTestClient stream = connect(token)) {
                assertThat(stream.status()).isEqualTo(200);
            }
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> hub.connections() == 0 && hub.indexedStreams() == 0);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                .until(() -> usedHeapAfterGc() < baseline + ALLOWED_GROWTH);
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
