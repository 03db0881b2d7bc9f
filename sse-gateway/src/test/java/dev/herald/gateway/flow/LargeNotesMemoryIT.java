package dev.herald.gateway.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Action;
import dev.herald.contracts.ServiceEvent;
import dev.herald.gateway.GatewayProcess;
import dev.herald.gateway.TestEvents;
import dev.herald.testsupport.HeraldIssuer;
import dev.herald.testsupport.HeraldKafka;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's memory is bounded in bytes, not in events: a gateway process from the boot jar with a
 * 512 MiB heap reads more large notes (about 60 KiB each, three ordinary users) than its heap holds,
 * keeps serving — health UP, no {@link OutOfMemoryError}, a stream that reads promptly gets every event of
 * its user and then a new one — and, killed and started again on the same topic, reads the large notes
 * back at start-up into its byte-bounded ring (a quarter of the heap) and serves new events.
 */
class LargeNotesMemoryIT {

    private static final long HEAP = 512L * 1024 * 1024;
    private static final int CONTENT_CHARS = 60 * 1024;
    private static final int USERS = 3;
    private static final Pattern RING_BYTES =
            Pattern.compile("(?m)^herald_gateway_replay_buffer_bytes\\{[^}]*} (\\S+)$");
    private static final Pattern DIAGNOSTIC_METRICS = Pattern.compile(
            "^herald_gateway_(records_consumed|records_skipped|deliveries|filtered|consumer_lag|connections|replay_buffer)");
    private static final Pattern RING_EVENTS =
            Pattern.compile("(?m)^herald_gateway_replay_buffer_events\\{[^}]*} (\\S+)$");

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<GatewayProcess> gateways = new ArrayList<>();

    @AfterEach
    void stopTheGateways() throws InterruptedException {
        for (GatewayProcess gateway : gateways) {
            gateway.kill();
        }
    }

    @Test
    void aGatewayWithA512MiBHeapServesAndRestartsAfterMoreLargeNotesThanItsHeapHolds() throws Exception {
        String topic = "large-notes." + UUID.randomUUID();
        HeraldKafka.ensureTopic(topic, 3);
        List<String> users = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            users.add("large-" + i + "-" + UUID.randomUUID().toString().substring(0, 8));
        }
        String token = HeraldIssuer.token(users.getFirst(), "user");

        GatewayProcess first = start(topic, "large-notes-gateway-1.log");
        int port = first.port();
        awaitInService(first);

        List<ServiceEvent> ofTheReader;
        ServiceEvent afterTheFlood;
        try (LeanStream stream = LeanStream.open(port, token)) {
            ofTheReader = flood(topic, users, HEAP + HEAP / 16);
            afterTheFlood = TestEvents.note(users.getFirst(), Action.UPDATED, "after the flood");
            stream.watchFor(afterTheFlood.id().toString());
            TestEvents.publishTo(topic, afterTheFlood);
            awaitOrDiagnose(
                    "every event of the reader's user and the one after the flood",
                    Duration.ofSeconds(180),
                    first,
                    stream,
                    () -> (stream.seen(afterTheFlood.id().toString()) && stream.events() >= ofTheReader.size() + 1)
                            || stream.ended()
                            || !first.isAlive());

            assertThat(first.isAlive()).as("the gateway process is alive").isTrue();
            assertThat(stream.ended())
                    .as("the prompt reader's stream is still open")
                    .isFalse();
            assertThat(stream.seen(afterTheFlood.id().toString())).isTrue();
            assertThat(stream.events())
                    .as("every event of its user, then the new one")
                    .isEqualTo(ofTheReader.size() + 1);
            System.out.printf(
                    "LargeNotesMemoryIT: the reader got %,d events, %,d bytes%n", stream.events(), stream.bytes());
        }
        awaitInService(first);
        assertRingWithinItsBudget(port);
        assertNoOutOfMemory(first);

        first.kill();
        long restarting = System.nanoTime();
        GatewayProcess second = start(topic, "large-notes-gateway-2.log");
        int again = second.port();
        awaitInService(second);
        System.out.printf(
                "LargeNotesMemoryIT: restarted and filled in %d ms%n", (System.nanoTime() - restarting) / 1_000_000);
        double held = assertRingWithinItsBudget(again);
        assertThat(held).as("the ring holds large notes read back at start-up").isGreaterThan(HEAP / 8.0);

        try (LeanStream stream = LeanStream.open(again, HeraldIssuer.token(users.get(1), "user"))) {
            ServiceEvent fresh = TestEvents.note(users.get(1), Action.CREATED, "after the restart");
            stream.watchFor(fresh.id().toString());
            TestEvents.publishTo(topic, fresh);
            awaitOrDiagnose(
                    "a new event after the restart",
                    Duration.ofSeconds(60),
                    second,
                    stream,
                    () -> stream.seen(fresh.id().toString()) || stream.ended());
            assertThat(stream.seen(fresh.id().toString())).isTrue();
        }
        assertThat(second.isAlive()).isTrue();
        awaitInService(second);
        assertNoOutOfMemory(second);
    }

    /**
     * Waits for {@code condition}; on a timeout, fails with what the stream and the gateway say (bytes and
     * frames read, the gateway's health, counters and logged errors), so a failure tells where it stuck.
     */
    private void awaitOrDiagnose(
            String alias, Duration within, GatewayProcess gateway, LeanStream stream, Callable<Boolean> condition)
            throws IOException, InterruptedException {
        try {
            await(alias).atMost(within).pollInterval(Duration.ofMillis(250)).until(condition);
        } catch (ConditionTimeoutException e) {
            String diagnosis = diagnose(gateway, stream);
            System.out.println("LargeNotesMemoryIT: " + alias + " timed out; " + diagnosis);
            throw new AssertionError(alias + " not within " + within + "; " + diagnosis, e);
        }
    }

    private String diagnose(GatewayProcess gateway, LeanStream stream) throws IOException, InterruptedException {
        StringBuilder diagnosis = new StringBuilder()
                .append("stream: ")
                .append(stream.events())
                .append(" events, ")
                .append(stream.chunks())
                .append(" chunks, ")
                .append(stream.bytes())
                .append(" bytes, last chunk ")
                .append(stream.millisSinceLastChunk())
                .append(" ms ago, ended ")
                .append(stream.ended())
                .append("; gateway alive ")
                .append(gateway.isAlive());
        if (gateway.isAlive()) {
            diagnosis
                    .append("; health ")
                    .append(get(gateway.port(), "/actuator/health").body());
            get(gateway.port(), "/actuator/prometheus")
                    .body()
                    .lines()
                    .filter(line -> DIAGNOSTIC_METRICS.matcher(line).find())
                    .forEach(line -> diagnosis.append("; ").append(line));
        }
        diagnosis.append("; log (").append(gateway.log()).append("): ");
        gateway.logLinesWith("ERROR", "WARN", "Exception").stream()
                .limit(20)
                .forEach(line -> diagnosis.append("\n  ").append(line));
        return diagnosis.toString();
    }

    /**
     * Writes large notes of every user, round robin, until {@code bytes} of record values are written;
     * returns those of the first user.
     */
    private static List<ServiceEvent> flood(String topic, List<String> users, long bytes) {
        char[] letters = new char[CONTENT_CHARS];
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < letters.length; i++) {
            letters[i] = (char) ('a' + random.nextInt(26));
        }
        String content = new String(letters);
        List<ServiceEvent> ofTheFirst = new ArrayList<>();
        AtomicReference<@Nullable Exception> failure = new AtomicReference<>();
        long written = 0;
        long started = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                HeraldKafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "1",
                ProducerConfig.LINGER_MS_CONFIG,
                5,
                ProducerConfig.BATCH_SIZE_CONFIG,
                1024 * 1024,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                2 * 1024 * 1024,
                ProducerConfig.BUFFER_MEMORY_CONFIG,
                64L * 1024 * 1024,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class))) {
            for (int i = 0; written < bytes; i++) {
                String owner = users.get(i % users.size());
                ServiceEvent event = TestEvents.note(owner, Action.CREATED, content);
                var record = TestEvents.record(topic, event);
                written += record.value().length;
                producer.send(record, (metadata, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
                if (owner.equals(users.getFirst())) {
                    ofTheFirst.add(event);
                }
            }
            producer.flush();
        }
        assertThat(failure.get()).as("every large note written").isNull();
        System.out.printf(
                "LargeNotesMemoryIT: %,d bytes of large notes written in %d ms%n",
                written, (System.nanoTime() - started) / 1_000_000);
        return ofTheFirst;
    }

    private GatewayProcess start(String topic, String logName) throws IOException {
        Path target = Path.of(System.getProperty("basedir", "."), "target");
        GatewayProcess gateway = GatewayProcess.start(
                target.resolve(logName),
                List.of(
                        "-Xmx512m",
                        "-Xlog:gc:file=" + target.resolve(logName + ".gc").toAbsolutePath()),
                List.of(
                        "--spring.kafka.bootstrap-servers=" + HeraldKafka.bootstrapServers(),
                        "--spring.security.oauth2.resourceserver.jwt.issuer-uri=" + HeraldIssuer.issuerUri(),
                        "--herald.gateway.kafka.topic=" + topic,
                        "--herald.gateway.session.secure=false",
                        "--herald.gateway.heartbeat=1s"));
        gateways.add(gateway);
        return gateway;
    }

    /** {@code /actuator/health} answers 200 UP (within the time a start-up with a fill takes). */
    private void awaitInService(GatewayProcess gateway) {
        await("health UP")
                .atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> !gateway.isAlive() || healthUp(gateway.port()));
        assertThat(gateway.isAlive()).as("the gateway process is alive").isTrue();
    }

    private boolean healthUp(int port) {
        try {
            HttpResponse<String> health = get(port, "/actuator/health");
            return health.statusCode() == 200 && health.body().endsWith("\"status\":\"UP\"}");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The ring's bytes stay within its budget, a quarter of the heap (plus the one frame that may exceed it); returns them. */
    private double assertRingWithinItsBudget(int port) throws IOException, InterruptedException {
        String metrics = get(port, "/actuator/prometheus").body();
        double bytes = metric(RING_BYTES, metrics);
        double events = metric(RING_EVENTS, metrics);
        System.out.printf("LargeNotesMemoryIT: ring holds %.0f events, %.0f bytes%n", events, bytes);
        assertThat(bytes).isLessThanOrEqualTo(HEAP / 4.0 + 512 * 1024);
        return bytes;
    }

    private static double metric(Pattern pattern, String metrics) {
        Matcher matcher = pattern.matcher(metrics);
        assertThat(matcher.find()).as("metric %s", pattern).isTrue();
        return Double.parseDouble(matcher.group(1));
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertNoOutOfMemory(GatewayProcess gateway) throws IOException {
        assertThat(gateway.logLinesWith("OutOfMemoryError"))
                .as("%s", gateway.log())
                .isEmpty();
    }

    /**
     * An SSE stream read as fast as the socket gives it, keeping nothing but counts: the number of event
     * frames, the bytes, and whether watched strings (event ids) went by. A test client that kept the
     * text would need more heap than the gateway under test.
     */
    private static final class LeanStream implements AutoCloseable {

        private static final String EVENT_LINE = "\nevent: notes:";
        private static final int CARRY = 64;

        private final Socket socket;
        private final Set<String> watched = ConcurrentHashMap.newKeySet();
        private final Set<String> seen = ConcurrentHashMap.newKeySet();
        private final AtomicLong events = new AtomicLong();
        private final AtomicLong bytes = new AtomicLong();
        private final AtomicLong chunks = new AtomicLong();
        private volatile long lastChunkNanos = System.nanoTime();
        private volatile boolean ended;
        private String tail = "";

        private LeanStream(Socket socket) {
            this.socket = socket;
        }

        static LeanStream open(int port, String token) throws IOException {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /events HTTP/1.1\r\nHost: localhost:" + port + "\r\nAccept: text/event-stream\r\n"
                            + "Authorization: Bearer " + token + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream(), 256 * 1024);
            String status = readLine(in);
            assertThat(status).as("status line").startsWith("HTTP/1.1 200");
            boolean chunked = false;
            for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
                chunked |= line.toLowerCase(java.util.Locale.ROOT).equals("transfer-encoding: chunked");
            }
            assertThat(chunked).as("a chunked stream").isTrue();
            LeanStream stream = new LeanStream(socket);
            Thread.ofPlatform().name("lean-sse-reader").daemon().start(() -> stream.read(in));
            return stream;
        }

        private void read(InputStream in) {
            try {
                for (; ; ) {
                    int size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16);
                    if (size == 0) {
                        return;
                    }
                    scan(in.readNBytes(size));
                    readLine(in);
                }
            } catch (IOException | RuntimeException e) {
                // the server or the test closed the connection
            } finally {
                ended = true;
            }
        }

        private void scan(byte[] chunk) {
            lastChunkNanos = System.nanoTime();
            chunks.incrementAndGet();
            bytes.addAndGet(chunk.length);
            String text = tail + new String(chunk, StandardCharsets.ISO_8859_1);
            for (int at = text.indexOf(EVENT_LINE); at >= 0; at = text.indexOf(EVENT_LINE, at + 1)) {
                if (at + EVENT_LINE.length() > tail.length()) { // not counted with the previous chunk
                    events.incrementAndGet();
                }
            }
            for (String id : watched) {
                if (text.contains(id)) {
                    seen.add(id);
                }
            }
            tail = text.substring(Math.max(0, text.length() - CARRY));
        }

        void watchFor(String text) {
            watched.add(text);
        }

        boolean seen(String text) {
            return seen.contains(text);
        }

        long events() {
            return events.get();
        }

        long bytes() {
            return bytes.get();
        }

        boolean ended() {
            return ended;
        }

        long chunks() {
            return chunks.get();
        }

        long millisSinceLastChunk() {
            return (System.nanoTime() - lastChunkNanos) / 1_000_000;
        }

        private static String readLine(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("connection closed");
                }
                if (b != '\r') {
                    line.write(b);
                }
            }
            return line.toString(StandardCharsets.US_ASCII);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
