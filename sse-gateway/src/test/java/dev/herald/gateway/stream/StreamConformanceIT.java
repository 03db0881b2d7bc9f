package dev.herald.gateway.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Action;
import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.Topics;
import dev.herald.gateway.GatewayIntegrationTest;
import dev.herald.gateway.LineBreaks;
import dev.herald.gateway.SseTestClient;
import dev.herald.gateway.TestEvents;
import dev.herald.gateway.resume.ResumePosition;
import dev.herald.testsupport.HeraldIssuer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamConformanceIT extends GatewayIntegrationTest {

    @Test
    void startsWithRetryAndTheConnectedFrameWithStreamHeaders() {
        try (SseTestClient stream = connect(HeraldIssuer.token(unique("alice"), "user"))) {
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.header("content-type")).startsWith("text/event-stream");
            assertThat(stream.header("cache-control")).isEqualTo("no-cache");
            assertThat(stream.header("x-accel-buffering")).isEqualTo("no");
            assertThat(stream.raw()).matches("(?s)retry: \\d{4}\nid: .*");
            long retry = Long.parseLong(
                    stream.raw().substring("retry: ".length(), stream.raw().indexOf('\n')));
            assertThat(retry).as("retry (1 s) plus its jitter (up to 2 s)").isBetween(1000L, 3000L);
            SseTestClient.Event connected = stream.events().getFirst();
            assertThat(connected.name()).isEqualTo("message");
            assertThat(connected.data()).isEqualTo("{\"type\":\"connected\"}");
            assertThat(connected.ownId())
                    .as("a new stream's connected frame carries its start position")
                    .isNotNull();
            assertThat(ResumePosition.decode(Topics.NOTES_EVENTS, connected.ownId())
                            .partitionCount())
                    .isEqualTo(3);
        }
    }

    @Test
    void writesEachEventAsIdEventAndOneDataLineWithTheInstancesPositionAsId() {
        String alice = unique("alice");
        try (SseTestClient stream = connect(HeraldIssuer.token(alice, "user"))) {
            ServiceEvent first =
                    TestEvents.publish(TestEvents.note(alice, Action.CREATED, "two\nlines\r\nand \"quotes\""));
            ServiceEvent second = TestEvents.publish(alice, Action.UPDATED);
            await().atMost(Duration.ofSeconds(10)).until(() -> stream.events().size() >= 3);

            String raw = stream.raw();
            assertThat(raw).contains("\nevent: notes:created\ndata: {\"id\":\"" + first.id() + "\"");
            assertThat(raw).contains("\nevent: notes:updated\ndata: {\"id\":\"" + second.id() + "\"");
            for (String line : raw.split("\n")) {
                assertThat(line).doesNotContain("\r");
                if (line.startsWith("id:") || line.startsWith("event:") || line.startsWith("data:")) {
                    assertThat(line).matches("(id|event|data): .*");
                }
            }
            SseTestClient.Event a = stream.events().get(1);
            SseTestClient.Event b = stream.events().get(2);
            ResumePosition afterFirst = ResumePosition.decode(Topics.NOTES_EVENTS, a.id());
            ResumePosition afterSecond = ResumePosition.decode(Topics.NOTES_EVENTS, b.id());
            long total = 0;
            for (int p = 0; p < 3; p++) {
                assertThat(afterSecond.nextOffset(p)).isGreaterThanOrEqualTo(afterFirst.nextOffset(p));
                total += afterSecond.nextOffset(p) - afterFirst.nextOffset(p);
            }
            assertThat(total).isPositive();
        }
    }

    @Test
    void anEventWhoseRecordValueHoldsLineBreaksIsWrittenAsOneDataLine() {
        String alice = unique("alice");
        try (SseTestClient stream = connect(HeraldIssuer.token(alice, "user"))) {
            List<ServiceEvent> sent = new ArrayList<>();
            for (String spacing : LineBreaks.SPACINGS) {
                ServiceEvent event = TestEvents.note(alice, Action.CREATED, "spaced");
                sent.add(TestEvents.publishRaw(Topics.NOTES_EVENTS, event, LineBreaks.spread(event, spacing)));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> eventIds(stream).size() >= sent.size());

            for (ServiceEvent event : sent) {
                LineBreaks.assertWrittenAsOneDataLine(stream, event);
            }
            assertThat(eventIds(stream))
                    .containsExactlyInAnyOrderElementsOf(
                            sent.stream().map(ServiceEvent::id).toList());
        }
    }

    @Test
    void sendsHeartbeatCommentsOnIdleStreams() {
        try (SseTestClient stream = connect(HeraldIssuer.token(unique("idle"), "user"))) {
            await().atMost(Duration.ofSeconds(5)).until(() -> stream.heartbeats() >= 2);
            assertThat(stream.raw()).contains(": heartbeat\n\n");
        }
    }

    @Test
    void aSessionCookieLetsANativeEventSourceConnectUntilItIsCleared() {
        String alice = unique("alice");
        String token = HeraldIssuer.token(alice, "user");
        String setCookie;
        try (SseTestClient session = SseTestClient.request(port, "POST", "/events/session", bearer(token))) {
            assertThat(session.status()).isEqualTo(204);
            setCookie = session.header("set-cookie");
        }
        assertThat(setCookie)
                .startsWith("herald_events=" + token)
                .contains("HttpOnly", "SameSite=Strict", "Path=/events", "Max-Age=");
        try (SseTestClient stream = SseTestClient.get(port, "/events", Map.of("Cookie", "herald_events=" + token))) {
            awaitConnected(stream);
            assertThat(stream.status()).isEqualTo(200);
            ServiceEvent event = TestEvents.publish(alice, Action.CREATED);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !stream.eventsContaining(event.id().toString()).isEmpty());
        }
        try (SseTestClient cleared = SseTestClient.request(port, "DELETE", "/events/session", Map.of())) {
            assertThat(cleared.status()).isEqualTo(204);
            assertThat(cleared.header("set-cookie"))
                    .startsWith("herald_events=;")
                    .contains("Max-Age=0");
        }
        try (SseTestClient noBearer =
                SseTestClient.request(port, "POST", "/events/session", Map.of("Cookie", "herald_events=" + token))) {
            assertThat(noBearer.status())
                    .as("a session needs a bearer token, not the cookie")
                    .isEqualTo(401);
        }
    }

    @Test
    void servesHealthPrometheusAndDashboardConfigWithoutAToken() {
        try (SseTestClient health = SseTestClient.request(port, "GET", "/actuator/health", Map.of());
                SseTestClient prometheus = SseTestClient.request(port, "GET", "/actuator/prometheus", Map.of());
                SseTestClient config = SseTestClient.request(port, "GET", "/config.json", Map.of())) {
            assertThat(health.status()).isEqualTo(200);
            assertThat(prometheus.status()).isEqualTo(200);
            assertThat(config.status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(5)).until(() -> prometheus.body() != null && config.body() != null);
            assertThat(prometheus.body())
                    .contains(
                            "herald_gateway_connections",
                            "herald_gateway_deliveries_total",
                            "herald_gateway_delivery_latency_seconds_bucket",
                            "herald_gateway_disconnects_total",
                            "herald_gateway_records_skipped_total",
                            "herald_gateway_consumer_lag");
            assertThat(config.body())
                    .isEqualTo(
                            "{\"issuer\":\"http://localhost:8090/herald\","
                                    + "\"clientId\":\"herald-dashboard\",\"notesUrl\":\"http://localhost:8080\",\"gateways\":[]}");
        }
    }
}
