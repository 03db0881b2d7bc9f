package dev.herald.gateway.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Action;
import dev.herald.contracts.ServiceEvent;
import dev.herald.gateway.GatewayIntegrationTest;
import dev.herald.gateway.SseTestClient;
import dev.herald.gateway.TestEvents;
import dev.herald.testsupport.HeraldIssuer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PoisonRecordIT extends GatewayIntegrationTest {

    @Test
    void countsAndSkipsRecordsThatAreNotEventsAndGoesOn() {
        String alice = unique("alice");
        double skippedBefore = metrics.skippedRecords();
        try (SseTestClient stream = connect(HeraldIssuer.token(alice, "user"))) {
            TestEvents.publishRaw("k1", "not json at all".getBytes(StandardCharsets.UTF_8));
            TestEvents.publishRaw("k2", "{\"id\":\"1\",\"action\":\"exploded\"}".getBytes(StandardCharsets.UTF_8));
            TestEvents.publishRaw("k3", null);
            ServiceEvent valid = TestEvents.publish(alice, Action.CREATED);

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !stream.eventsContaining(valid.id().toString()).isEmpty());
            await().atMost(Duration.ofSeconds(5)).until(() -> metrics.skippedRecords() >= skippedBefore + 3);
            assertThat(stream.events().stream().filter(event -> event.name().startsWith("notes:")))
                    .hasSize(1);
            assertThat(stream.ended()).isFalse();
        }
    }
}
