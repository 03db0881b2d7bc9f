package dev.herald.gateway.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.launchdarkly.eventsource.ConnectStrategy;
import com.launchdarkly.eventsource.EventSource;
import com.launchdarkly.eventsource.MessageEvent;
import dev.herald.contracts.Action;
import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.ServiceEventCodec;
import dev.herald.contracts.Topics;
import dev.herald.gateway.GatewayIntegrationTest;
import dev.herald.gateway.TestEvents;
import dev.herald.gateway.resume.ResumePosition;
import dev.herald.testsupport.HeraldIssuer;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The stream as a third-party SSE parser (LaunchDarkly's okhttp-eventsource) reads it. */
class IndependentClientIT extends GatewayIntegrationTest {

    private final ServiceEventCodec codec = new ServiceEventCodec();

    @Test
    void anIndependentSseClientReadsTheEventsIdsAndNames() throws Exception {
        String alice = unique("alice");
        URI uri = URI.create("http://127.0.0.1:" + port + "/events");
        try (EventSource source = new EventSource.Builder(ConnectStrategy.http(uri)
                        .header("Authorization", "Bearer " + HeraldIssuer.token(alice, "user"))
                        .readTimeout(10, TimeUnit.SECONDS))
                .build()) {
            source.start();
            MessageEvent connected = source.readMessage();
            assertThat(connected.getEventName()).isEqualTo("message");
            assertThat(connected.getData()).isEqualTo("{\"type\":\"connected\"}");

            List<ServiceEvent> published = List.of(
                    TestEvents.publish(alice, Action.CREATED),
                    TestEvents.publish(alice, Action.UPDATED),
                    TestEvents.publish(alice, Action.DELETED));

            Map<UUID, ServiceEvent> byId = new HashMap<>();
            published.forEach(event -> byId.put(event.id(), event));
            for (int i = 0; i < published.size(); i++) {
                MessageEvent message = source.readMessage();
                ServiceEvent received = codec.decode(message.getData());
                ServiceEvent expected = byId.remove(received.id());
                assertThat(expected)
                        .as("an event published here, received once")
                        .isNotNull();
                assertThat(received).isEqualTo(expected);
                assertThat(message.getEventName()).isEqualTo(expected.eventName());
                assertThat(message.getLastEventId()).isNotBlank();
                assertThat(ResumePosition.decode(Topics.NOTES_EVENTS, message.getLastEventId())
                                .partitionCount())
                        .isEqualTo(3);
            }
            assertThat(source.getBaseRetryDelayMillis()).isBetween(1000L, 3000L); // retry plus its jitter
        }
    }
}
