package dev.herald.loadgen;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The topic ceiling: how many events per second one gateway reads, decodes and hands to its shards when
 * none of them has a recipient, and the gateway's CPU per event. That is the most a gateway can take from the
 * topic: past it, adding gateways does not help, because every gateway reads every event.
 *
 * <p>{@code --events} events of owners nobody streams are written in one Kafka transaction, so a
 * {@code read_committed} gateway sees none of them, then all at the commit; the gateway's
 * {@code herald_gateway_records_consumed_total} is then polled (every 200 ms, a cost the gateway pays too)
 * until it has them all. The gateway's CPU is read from /proc over the same span.
 */
final class TopicCeiling {

    private static final String CONSUMED = "herald_gateway_records_consumed_total";
    private static final Duration POLL = Duration.ofMillis(200);

    private final Args args;
    private final HttpClient http = HttpClient.newHttpClient();

    TopicCeiling(Args args) {
        this.args = args;
    }

    void run() throws Exception {
        String bootstrap = args.string("bootstrap-servers");
        URI metrics = URI.create(args.string("metrics"));
        List<Long> pids =
                args.list("server-pids", "").stream().map(Long::parseLong).toList();
        long events = args.longValue("events", 1_000_000);
        Owners nobody = new Owners(args.integer("users", 1000), 0, 1);
        Path out = Path.of(args.string("run-dir"));
        Files.createDirectories(out);

        double start = consumed(metrics);
        KafkaPublisher encoder = new KafkaPublisher(bootstrap);
        long committed;
        CpuSample before;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                        "herald-load-generator-ceiling-" + UUID.randomUUID(),
                        ProducerConfig.LINGER_MS_CONFIG,
                        20,
                        ProducerConfig.BATCH_SIZE_CONFIG,
                        256 * 1024,
                        ProducerConfig.CLIENT_ID_CONFIG,
                        "herald-load-generator-ceiling"),
                new StringSerializer(),
                new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (long seq = 0; seq < events; seq++) {
                // owners "n<i>": no stream of the run is theirs, and no admin stream is open
                producer.send(encoder.record("n" + nobody.ownerOf(seq), Marker.content(0, 0, Marker.MEASURED, seq, 0)));
            }
            producer.flush();
            System.out.printf(Locale.ROOT, "ceiling: %d events written, committing%n", events);
            before = CpuSample.take(pids);
            committed = System.nanoTime();
            producer.commitTransaction();
        } finally {
            encoder.close();
        }
        double target = start + events;
        long deadline = committed + Duration.ofMinutes(10).toNanos();
        double seen = start;
        while (seen < target && System.nanoTime() < deadline) {
            LockSupport.parkNanos(POLL.toNanos());
            seen = consumed(metrics);
        }
        long done = System.nanoTime();
        CpuSample after = CpuSample.take(pids);
        double read = seen - start;
        double seconds = (done - committed) / 1e9;
        double cpuMillis = after.processMillisSince(before);
        String report = String.format(
                Locale.ROOT,
                "ceiling: %.0f of %d events read in %.2f s (commit to the last, polled every %d ms): %.0f events/s;"
                        + " gateway CPU %.0f ms = %.2f µs per event; machine busy %.0f%%%n",
                read,
                events,
                seconds,
                POLL.toMillis(),
                read / seconds,
                cpuMillis,
                read == 0 ? Double.NaN : cpuMillis * 1000 / read,
                after.machineBusyFractionSince(before) * 100);
        System.out.print(report);
        Files.writeString(out.resolve("report.txt"), report);
        if (read < events) {
            throw new IllegalStateException("the gateway did not read every event within 10 minutes");
        }
    }

    /** The gateway's consumed-records counter, from its Prometheus scrape. */
    private double consumed(URI metrics) throws IOException, InterruptedException {
        String body = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString())
                .body();
        return body.lines()
                .filter(line -> line.startsWith(CONSUMED))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }
}
