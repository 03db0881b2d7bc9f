package dev.herald.gateway.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Action;
import dev.herald.contracts.ServiceEvent;
import dev.herald.gateway.GatewayIntegrationTest;
import dev.herald.gateway.SseTestClient;
import dev.herald.gateway.TestEvents;
import dev.herald.gateway.fanout.DisconnectReason;
import dev.herald.testsupport.HeraldIssuer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Flow control at its edge: a backlog released at once (one Kafka transaction, so a {@code read_committed}
 * consumer sees all of it at the same moment) reaches every stream that reads promptly, owner's and
 * admin's, on the connection it has: nothing closed as slow, nothing missed, nothing twice.
 */
class BurstIT extends GatewayIntegrationTest {

    @Test
    void aPromptReaderGetsTenThousandEventsReleasedAtOnceOnItsConnection() {
        String owner = unique("bulk");
        double slowBefore = metrics.disconnects(DisconnectReason.SLOW);
        try (SseTestClient ownerStream = connect(HeraldIssuer.token(owner, "user"));
                SseTestClient adminStream = connect(HeraldIssuer.token(unique("watcher"), "admin"))) {
            List<ServiceEvent> burst = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                burst.add(TestEvents.note(owner, Action.CREATED, "burst " + i));
            }
            TestEvents.publishAtOnce(burst);

            List<UUID> expected = burst.stream().map(ServiceEvent::id).toList();
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> ownerStream.ended() || eventIds(ownerStream).size() >= expected.size());
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> adminStream.ended() || eventIds(adminStream).containsAll(expected));

            assertThat(ownerStream.ended())
                    .as("the owner's stream is still open")
                    .isFalse();
            assertThat(adminStream.ended())
                    .as("the admin's stream is still open")
                    .isFalse();
            // one note's events keep their order; notes spread over partitions arrive in any order
            assertThat(eventIds(ownerStream)).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(eventIds(adminStream).stream().filter(expected::contains).toList())
                    .containsExactlyInAnyOrderElementsOf(expected);
            assertThat(metrics.disconnects(DisconnectReason.SLOW)).isEqualTo(slowBefore);
        }
    }
}
