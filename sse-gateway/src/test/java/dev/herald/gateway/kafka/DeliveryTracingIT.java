package dev.herald.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Action;
import dev.herald.contracts.CloudEventHeaders;
import dev.herald.contracts.ServiceEvent;
import dev.herald.gateway.GatewayIntegrationTest;
import dev.herald.gateway.SseTestClient;
import dev.herald.gateway.TestEvents;
import dev.herald.testsupport.HeraldIssuer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.TestPropertySource;

/**
 * The gateway continues the writer's trace: one {@code herald.gateway.deliver} span per consumed event that carries a
 * sampled {@code ce_traceparent}, a child of the writer's span however many streams receive the event; records
 * without one (or unsampled, or malformed) are delivered as usual and make no span. Every span is kept in memory.
 */
@TestPropertySource(
        properties = {
            "management.tracing.sampling.probability=1.0",
            "management.opentelemetry.tracing.export.schedule-delay=100ms"
        })
class DeliveryTracingIT extends GatewayIntegrationTest {

    private static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");

    /** Boot adds every SpanExporter bean to its span processor (a nested test configuration: in addition to the app's). */
    @TestConfiguration(proxyBeanMethods = false)
    static class InMemorySpans {
        @Bean
        InMemorySpanExporter inMemorySpanExporter() {
            return InMemorySpanExporter.create();
        }
    }

    @Autowired
    InMemorySpanExporter spans;

    @Test
    void anEventWithATraceparentIsDeliveredInOneChildSpanOfTheWritersSpan() {
        String alice = unique("alice");
        String token = HeraldIssuer.token(alice, "user");
        try (SseTestClient first = connect(token);
                SseTestClient second = connect(token)) {
            String traceId = hex(16);
            String writerSpanId = hex(8);
            ServiceEvent event = TestEvents.publish(
                    TestEvents.note(alice, Action.CREATED, "traced"),
                    Map.of(
                            CloudEventHeaders.TRACEPARENT,
                            "00-" + traceId + "-" + writerSpanId + "-01",
                            CloudEventHeaders.TRACESTATE,
                            "herald=test"));

            for (SseTestClient stream : List.of(first, second)) {
                await().atMost(Duration.ofSeconds(10))
                        .until(() ->
                                !stream.eventsContaining(event.id().toString()).isEmpty());
            }
            List<SpanData> ofTrace =
                    await().atMost(Duration.ofSeconds(10)).until(() -> spansOf(traceId), found -> !found.isEmpty());
            assertThat(ofTrace).as("one span per event, not per recipient").hasSize(1);
            SpanData deliver = ofTrace.getFirst();
            assertThat(deliver.getName()).isEqualTo(DeliveryTracing.SPAN_NAME);
            assertThat(deliver.getKind()).isEqualTo(SpanKind.CONSUMER);
            assertThat(deliver.getParentSpanId()).isEqualTo(writerSpanId);
            assertThat(deliver.getParentSpanContext().isRemote()).isTrue();
            assertThat(deliver.getSpanContext().getTraceState().get("herald")).isEqualTo("test");
            assertThat(deliver.getAttributes().get(MESSAGE_ID))
                    .isEqualTo(event.id().toString());
        }
    }

    @Test
    void eventsWithoutASampledTraceparentAreDeliveredWithoutSpans() {
        String bob = unique("bob");
        try (SseTestClient stream = connect(HeraldIssuer.token(bob, "user"))) {
            double skippedBefore = metrics.skippedRecords();
            String unsampledTrace = hex(16);
            ServiceEvent plain = TestEvents.publish(bob, Action.CREATED);
            ServiceEvent unsampled = TestEvents.publish(
                    TestEvents.note(bob, Action.CREATED, "unsampled"),
                    Map.of(CloudEventHeaders.TRACEPARENT, "00-" + unsampledTrace + "-" + hex(8) + "-00"));
            ServiceEvent malformed = TestEvents.publish(
                    TestEvents.note(bob, Action.CREATED, "malformed"),
                    Map.of(
                            CloudEventHeaders.TRACEPARENT,
                            "00-" + "z".repeat(32) + "-" + "z".repeat(16) + "-01")); // sampled, not hex
            // a traced event after them: once its span is exported, theirs would have been too
            String barrierTrace = hex(16);
            ServiceEvent barrier = TestEvents.publish(
                    TestEvents.note(bob, Action.CREATED, "barrier"),
                    Map.of(CloudEventHeaders.TRACEPARENT, "00-" + barrierTrace + "-" + hex(8) + "-01"));

            for (ServiceEvent event : List.of(plain, unsampled, malformed, barrier)) {
                await().atMost(Duration.ofSeconds(10))
                        .until(() ->
                                !stream.eventsContaining(event.id().toString()).isEmpty());
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> spansOf(barrierTrace), found -> !found.isEmpty());
            List<String> untraced = List.of(
                    plain.id().toString(),
                    unsampled.id().toString(),
                    malformed.id().toString());
            assertThat(spans.getFinishedSpanItems())
                    .noneMatch(span -> untraced.contains(span.getAttributes().get(MESSAGE_ID)))
                    .noneMatch(span -> span.getTraceId().equals(unsampledTrace));
            assertThat(metrics.skippedRecords()).isEqualTo(skippedBefore);
            assertThat(stream.ended()).isFalse();
        }
    }

    private List<SpanData> spansOf(String traceId) {
        return spans.getFinishedSpanItems().stream()
                .filter(span -> Objects.equals(span.getTraceId(), traceId))
                .toList();
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        random[0] |= 1; // never all zeros (invalid)
        return HexFormat.of().formatHex(random);
    }
}
