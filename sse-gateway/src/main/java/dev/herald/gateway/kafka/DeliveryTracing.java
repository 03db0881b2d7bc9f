package dev.herald.gateway.kafka;

import dev.herald.contracts.CloudEventHeaders;
import dev.herald.contracts.ServiceEvent;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;

/**
 * Continues the writer's trace in the gateway: one {@value #SPAN_NAME} span per consumed record that carries a
 * sampled {@code ce_traceparent} (the CloudEvents distributed-tracing extension), a child of that remote context,
 * from before the record is decoded until its batch has been handed to the shards. Recipients are counted later, on
 * the event loops, so the span does not know them.
 *
 * <p>The consumer reads tens of thousands of records a second: with tracing off ({@link #OFF}: no span exporter is
 * configured) this costs one null check, and for a record without the header, or whose writer did not sample it,
 * one header lookup — no allocation. Unsampled parents are left alone because Boot's sampler is parent-based: it
 * would not sample their child either.
 */
final class DeliveryTracing {

    static final String SPAN_NAME = "herald.gateway.deliver";
    static final DeliveryTracing OFF = new DeliveryTracing(null, "");

    /** traceparent: version "-" 32 hex trace id "-" 16 hex parent id "-" 2 hex flags (sampled = lowest bit). */
    private static final int FLAGS_LOW_DIGIT = 54;

    private static final List<String> KEYS = List.of("traceparent", "tracestate");

    private static final TextMapGetter<ConsumerRecord<byte[], byte[]>> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(ConsumerRecord<byte[], byte[]> record) {
            return KEYS;
        }

        @Override
        public @Nullable String get(@Nullable ConsumerRecord<byte[], byte[]> record, String key) {
            if (record == null) {
                return null;
            }
            String name = switch (key) {
                case "traceparent" -> CloudEventHeaders.TRACEPARENT;
                case "tracestate" -> CloudEventHeaders.TRACESTATE;
                default -> null;
            };
            Header header = name == null ? null : record.headers().lastHeader(name);
            return header == null || header.value() == null
                    ? null
                    : new String(header.value(), StandardCharsets.US_ASCII);
        }
    };

    private final @Nullable Tracer tracer;
    private final String topic;

    /** @param tracer the application's OpenTelemetry tracer; null when tracing is off */
    DeliveryTracing(@Nullable Tracer tracer, String topic) {
        this.tracer = tracer;
        this.topic = topic;
    }

    /** The started span of {@code record}; null when it is not traced (tracing off, no header, unsampled, malformed). */
    @Nullable
    Span start(ConsumerRecord<byte[], byte[]> record) {
        Tracer t = tracer;
        if (t == null) {
            return null;
        }
        Header header = record.headers().lastHeader(CloudEventHeaders.TRACEPARENT);
        if (header == null || !sampled(header.value())) {
            return null;
        }
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), record, HEADERS);
        if (!Span.fromContext(parent).getSpanContext().isValid()) {
            return null;
        }
        return t.spanBuilder(SPAN_NAME)
                .setParent(parent)
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.operation.type", "process")
                .setAttribute("messaging.destination.name", topic)
                .setAttribute("messaging.destination.partition.id", Integer.toString(record.partition()))
                .setAttribute("messaging.kafka.offset", record.offset())
                .startSpan();
    }

    /**
     * The record's event is decoded: its id and type go on its span (if any), which joins the batch's open spans.
     *
     * @return the batch's open spans, created at the first one
     */
    static @Nullable List<Span> decoded(@Nullable Span span, ServiceEvent event, @Nullable List<Span> open) {
        if (span == null) {
            return open;
        }
        span.setAttribute("messaging.message.id", event.id().toString());
        span.setAttribute("herald.event.type", event.cloudEventType());
        List<Span> spans = open == null ? new ArrayList<>() : open;
        spans.add(span);
        return spans;
    }

    /** The record is not a valid event: its span (if any) ends as an error. */
    static void skipped(@Nullable Span span) {
        if (span != null) {
            span.setStatus(StatusCode.ERROR, "not a valid ServiceEvent");
            span.end();
        }
    }

    /** The batch is with the event loops: its spans end. */
    static void end(@Nullable List<Span> spans) {
        if (spans != null) {
            for (Span span : spans) {
                span.end();
            }
        }
    }

    private static boolean sampled(byte @Nullable [] traceparent) {
        if (traceparent == null || traceparent.length <= FLAGS_LOW_DIGIT) {
            return false;
        }
        int digit = Character.digit(traceparent[FLAGS_LOW_DIGIT], 16);
        return digit >= 0 && (digit & 1) == 1;
    }
}
