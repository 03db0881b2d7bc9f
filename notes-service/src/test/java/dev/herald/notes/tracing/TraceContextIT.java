package dev.herald.notes.tracing;

import static dev.herald.notes.NotesApp.json;
import static dev.herald.notes.NotesApp.noteJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.herald.contracts.CloudEventHeaders;
import dev.herald.notes.NotesApp;
import dev.herald.notes.TopicReader;
import dev.herald.testsupport.HeraldIssuer;
import dev.herald.testsupport.HeraldKafka;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A write's W3C trace context reaches its Kafka record as {@code ce_traceparent} / {@code ce_tracestate}: the trace
 * of the HTTP request that wrote it, its parent a span of that trace, although the relay publishes later on its own
 * thread. Every request is sampled here and its spans kept in memory; with an OTLP endpoint set they also go there.
 */
class TraceContextIT {

    static NotesApp app;
    static InMemorySpanExporter spans;
    /** A stand-in OTLP/HTTP collector: counts the export requests it receives. */
    static HttpServer collector;

    static final AtomicInteger otlpExports = new AtomicInteger();
    static final String ALICE = HeraldIssuer.token("alice", "user");

    /** The spans the application exports, kept for the test (Boot adds every SpanExporter bean to its processor). */
    @Configuration(proxyBeanMethods = false)
    static class InMemorySpans {
        @Bean
        InMemorySpanExporter inMemorySpanExporter() {
            return InMemorySpanExporter.create();
        }
    }

    @BeforeAll
    static void start() throws IOException {
        collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/v1/traces", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if ("POST".equals(exchange.getRequestMethod())
                    && body.length > 0
                    && "application/x-protobuf"
                            .equals(exchange.getRequestHeaders().getFirst("Content-Type"))) {
                otlpExports.incrementAndGet();
            }
            exchange.sendResponseHeaders(200, -1); // an empty ExportTraceServiceResponse
            exchange.close();
        });
        collector.start();
        app = NotesApp.start(
                "tracing",
                Map.of(
                        "management.tracing.sampling.probability",
                        "1.0",
                        "management.opentelemetry.tracing.export.schedule-delay",
                        "100ms",
                        "management.opentelemetry.tracing.export.otlp.endpoint",
                        "http://127.0.0.1:" + collector.getAddress().getPort() + "/v1/traces"),
                InMemorySpans.class);
        spans = app.bean(InMemorySpanExporter.class);
    }

    @AfterAll
    static void stop() {
        app.close();
        collector.stop(0);
    }

    @Test
    void withAnOtlpEndpointSetSpansAreExportedThere() {
        int before = otlpExports.get();
        app.createNote(ALICE, "exported", "");
        await().atMost(Duration.ofSeconds(10)).until(() -> otlpExports.get() > before);
    }

    @Test
    void aWriteWithATraceparentPutsThatTraceOnItsRecord() {
        String traceId = hex(16);
        String callerSpanId = hex(8);
        HttpResponse<String> created = app.send(app.request("/notes", ALICE)
                .header("Content-Type", "application/json")
                .header("traceparent", "00-" + traceId + "-" + callerSpanId + "-01")
                .header("tracestate", "herald=test")
                .POST(HttpRequest.BodyPublishers.ofString(noteJson("traced", "with a caller's trace"))));
        assertThat(created.statusCode()).isEqualTo(201);
        String noteId = json(created).get("id").asString();

        ConsumerRecord<String, byte[]> record = recordOf(noteId);
        String[] traceparent =
                TopicReader.header(record, CloudEventHeaders.TRACEPARENT).split("-");
        assertThat(traceparent)
                .as("ce_traceparent: version-traceid-parentid-flags")
                .hasSize(4);
        assertThat(traceparent[0]).isEqualTo("00");
        assertThat(traceparent[1]).isEqualTo(traceId);
        assertThat(traceparent[3]).isEqualTo("01");
        assertThat(TopicReader.header(record, CloudEventHeaders.TRACESTATE)).isEqualTo("herald=test");

        SpanData server = await().atMost(Duration.ofSeconds(10)).until(() -> serverSpanOf(traceId), s -> s != null);
        assertThat(server.getParentSpanId()).isEqualTo(callerSpanId);
        assertThat(traceparent[2]).isNotEqualTo(callerSpanId);
        assertThat(spansOf(traceId)).extracting(SpanData::getSpanId).contains(traceparent[2]);
    }

    @Test
    void aWriteWithoutATraceparentPutsTheTraceItStartedOnItsRecord() {
        String noteId = app.createNote(ALICE, "untraced caller", "").get("id").asString();

        ConsumerRecord<String, byte[]> record = recordOf(noteId);
        String[] traceparent =
                TopicReader.header(record, CloudEventHeaders.TRACEPARENT).split("-");
        assertThat(traceparent)
                .as("ce_traceparent: version-traceid-parentid-flags")
                .hasSize(4);
        String traceId = traceparent[1];
        assertThat(traceId).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
        assertThat(traceparent[3]).isEqualTo("01");
        assertThat(record.headers().lastHeader(CloudEventHeaders.TRACESTATE))
                .as("no empty ce_tracestate")
                .isNull();

        SpanData server = await().atMost(Duration.ofSeconds(10)).until(() -> serverSpanOf(traceId), s -> s != null);
        assertThat(server.getParentSpanContext().isValid())
                .as("the request's span is the trace's root")
                .isFalse();
        assertThat(spansOf(traceId)).extracting(SpanData::getSpanId).contains(traceparent[2]);
    }

    private static ConsumerRecord<String, byte[]> recordOf(String noteId) {
        try (TopicReader reader = new TopicReader(HeraldKafka.bootstrapServers(), app.topic())) {
            List<ConsumerRecord<String, byte[]>> records = await().atMost(Duration.ofSeconds(60))
                    .until(reader::poll, all -> all.stream().anyMatch(r -> noteId.equals(r.key())));
            return records.stream()
                    .filter(r -> noteId.equals(r.key()))
                    .findFirst()
                    .orElseThrow();
        }
    }

    private static List<SpanData> spansOf(String traceId) {
        return spans.getFinishedSpanItems().stream()
                .filter(span -> span.getTraceId().equals(traceId))
                .toList();
    }

    private static SpanData serverSpanOf(String traceId) {
        return spansOf(traceId).stream()
                .filter(span -> span.getKind() == SpanKind.SERVER)
                .findFirst()
                .orElse(null);
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        random[0] |= 1; // never all zeros (invalid)
        return HexFormat.of().formatHex(random);
    }
}
