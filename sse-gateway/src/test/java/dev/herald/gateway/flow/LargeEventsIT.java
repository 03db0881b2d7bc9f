package dev.herald.gateway.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Action;
import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.ServiceEventCodec;
import dev.herald.gateway.GatewayIntegrationTest;
import dev.herald.gateway.SseTestClient;
import dev.herald.gateway.TestEvents;
import dev.herald.gateway.fanout.DisconnectReason;
import dev.herald.testsupport.HeraldIssuer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The largest event the API accepts: a note of 64 KiB of content, every byte a control character that
 * JSON escapes to six ({@code \u0001}), so the event is several times the stream's socket budget. It
 * reaches its owner and the admins, four saves in a row do too, and a resume after a disconnect replays them.
 */
class LargeEventsIT extends GatewayIntegrationTest {

    /** 64 KiB of content, the API's limit, each character escaped to six bytes in the event's JSON. */
    private static final String LARGEST_CONTENT = "\u0001".repeat(64 * 1024);

    @Test
    void eventsOfTheLargestSizeReachOwnerAndAdminsAndResume() {
        String owner = unique("essayist");
        String token = HeraldIssuer.token(owner, "user");
        double slowBefore = metrics.disconnects(DisconnectReason.SLOW);
        List<ServiceEvent> saves = new ArrayList<>();
        String resumeFrom;
        try (SseTestClient ownerStream = connect(token);
                SseTestClient adminStream = connect(HeraldIssuer.token(unique("editor"), "admin"))) {
            resumeFrom = ownerStream.lastId();
            ServiceEvent first = TestEvents.note(owner, Action.CREATED, LARGEST_CONTENT);
            assertThat(new ServiceEventCodec().encode(first).length)
                    .as("the event is the largest the API makes")
                    .isGreaterThan(6 * 64 * 1024)
                    .isLessThanOrEqualTo(ServiceEvent.MAX_ENCODED_BYTES);
            saves.add(TestEvents.publish(first));
            for (int version = 2; version <= 4; version++) { // saves of the same note: one partition, in order
                saves.add(TestEvents.publish(TestEvents.update(first, version)));
            }
            List<UUID> expected = saves.stream().map(ServiceEvent::id).toList();

            await().atMost(Duration.ofSeconds(30))
                    .until(() -> ownerStream.ended() || eventIds(ownerStream).size() >= 4);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> adminStream.ended() || eventIds(adminStream).containsAll(expected));

            assertThat(eventIds(ownerStream)).containsExactlyElementsOf(expected);
            assertThat(eventIds(adminStream)).containsSubsequence(expected);
            String content = ownerStream.events().stream()
                    .filter(event -> event.name().startsWith("notes:"))
                    .map(event -> new ServiceEventCodec().decode(event.data().getBytes(StandardCharsets.UTF_8)))
                    .findFirst()
                    .orElseThrow()
                    .data()
                    .content();
            assertThat(content).isEqualTo(LARGEST_CONTENT);
            assertThat(ownerStream.ended()).isFalse();
            assertThat(adminStream.ended()).isFalse();
        }
        assertThat(resumeFrom).isNotNull();
        try (SseTestClient resumed = resume(token, resumeFrom)) {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> resumed.ended() || eventIds(resumed).size() >= 4);
            assertThat(eventIds(resumed))
                    .containsExactlyElementsOf(
                            saves.stream().map(ServiceEvent::id).toList());
        }
        assertThat(metrics.disconnects(DisconnectReason.SLOW)).isEqualTo(slowBefore);
    }
}
