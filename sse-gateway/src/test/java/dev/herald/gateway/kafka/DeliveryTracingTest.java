package dev.herald.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.contracts.CloudEventHeaders;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which records get a span, and whose child it is; on the SDK with Boot's sampler (parent-based). */
class DeliveryTracingTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String WRITER_SPAN_ID = "00f067aa0ba902b7";

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(1.0)))
            .addSpanProcessor(SimpleSpanProcessor.create(exported))
            .build();
    private final DeliveryTracing tracing = new DeliveryTracing(provider.get("test"), "notes.events");

    @AfterEach
    void close() {
        provider.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"01", "03", "0f", "ff"})
    void aSampledTraceparentGivesAChildOfTheWritersSpan(String flags) {
        ConsumerRecord<byte[], byte[]> record = record("00-" + TRACE_ID + "-" + WRITER_SPAN_ID + "-" + flags);
        record.headers().add(CloudEventHeaders.TRACESTATE, "herald=test".getBytes(StandardCharsets.US_ASCII));

        Span span = tracing.start(record);
        assertThat(span).isNotNull();
        span.end();

        SpanData data = exported.getFinishedSpanItems().getFirst();
        assertThat(data.getName()).isEqualTo(DeliveryTracing.SPAN_NAME);
        assertThat(data.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(data.getParentSpanId()).isEqualTo(WRITER_SPAN_ID);
        assertThat(data.getParentSpanContext().isRemote()).isTrue();
        assertThat(data.getSpanContext().getTraceState().get("herald")).isEqualTo("test");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "00-" + TRACE_ID + "-" + WRITER_SPAN_ID + "-00", // not sampled by the writer
                "00-" + TRACE_ID + "-" + WRITER_SPAN_ID + "-02",
                "00-" + TRACE_ID + "-" + WRITER_SPAN_ID + "-0", // cut short
                "00-" + TRACE_ID + "-" + WRITER_SPAN_ID + "-0z",
                "00-00000000000000000000000000000000-" + WRITER_SPAN_ID + "-01", // invalid trace id
                "00-" + TRACE_ID + "-zzzzzzzzzzzzzzzz-01",
                ""
            })
    void anUnsampledOrMalformedTraceparentGivesNoSpan(String traceparent) {
        assertThat(tracing.start(record(traceparent))).isNull();
        assertThat(exported.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void aRecordWithoutTraceparentGivesNoSpan() {
        assertThat(tracing.start(new ConsumerRecord<>("notes.events", 0, 0, new byte[0], new byte[0])))
                .isNull();
        assertThat(exported.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void withTracingOffNoRecordGetsASpan() {
        assertThat(DeliveryTracing.OFF.start(record("00-" + TRACE_ID + "-" + WRITER_SPAN_ID + "-01")))
                .isNull();
    }

    private static ConsumerRecord<byte[], byte[]> record(String traceparent) {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("notes.events", 2, 41, new byte[0], new byte[0]);
        record.headers().add(CloudEventHeaders.TRACEPARENT, traceparent.getBytes(StandardCharsets.US_ASCII));
        return record;
    }
}
