package dev.herald.notes.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.herald.contracts.Action;
import dev.herald.contracts.NoteData;
import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.ServiceEventCodec;
import dev.herald.notes.NotesApp;
import dev.herald.notes.outbox.OutboxConfiguration;
import dev.herald.notes.outbox.OutboxProperties;
import dev.herald.notes.outbox.OutboxRelay;
import dev.herald.notes.outbox.RelayMetrics;
import dev.herald.notes.outbox.RelayWakeUp;
import dev.herald.testsupport.HeraldIssuer;
import dev.herald.testsupport.HeraldPostgres;
import dev.herald.testsupport.KafkaBrokerProcess;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;

/**
 * notes-service write benchmark on this machine, everything real and local: embedded PostgreSQL, a Kafka
 * broker process, the OIDC issuer, the service (in this JVM, with its relay) and an open-model load
 * generator (fixed arrival rate; latency from the intended send time, so a stall counts for every request
 * it delays). Measures, in one run:
 * <ol>
 *   <li>the physical ceiling: pgbench running the same two inserts (note + outbox row) per transaction;</li>
 *   <li>sustained {@code POST /notes} at stepped rates, p50/p99;</li>
 *   <li>commit-to-Kafka latency at 500 writes/s (event time, set inside the transaction, to a
 *       read_committed consumer receiving it: an upper bound);</li>
 *   <li>relay drain rate from a 100,000-event backlog, with and without Kafka transactions.</li>
 * </ol>
 * Prints a Markdown block. Arguments: {@code key=value} ({@code rates=500,1000,1500,2000 seconds=20
 * backlog=100000 pgbench=pgbench}).
 */
public final class NotesWriteBenchmark {

    private static final ServiceEventCodec CODEC = new ServiceEventCodec();
    private static final String CONTENT = "x".repeat(200);

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new java.util.HashMap<>(Map.of("rates", "500,1000,1500,2000", "seconds", "20",
                "backlog", "100000", "pgbench", "pgbench", "warmup", "20000",
                "latencyRate", "500"));
        for (String arg : args) {
            String[] pair = arg.split("=", 2);
            options.put(pair[0], pair[1]);
        }
        StringBuilder report = new StringBuilder();
        try (KafkaBrokerProcess kafka = KafkaBrokerProcess.start();
             NotesApp app = NotesApp.start("bench", Map.of("spring.kafka.bootstrap-servers", kafka.bootstrapServers(),
                     "spring.datasource.hikari.maximum-pool-size", "32", "logging.level.root", "WARN"))) {
            String db = app.jdbcUrl();
            line(report, "machine: " + Runtime.getRuntime().availableProcessors() + " cores, "
                    + (Runtime.getRuntime().maxMemory() >> 20) + " MiB heap, Java " + Runtime.version()
                    + ", PostgreSQL (embedded) " + app.jdbc().queryForObject("show server_version", String.class)
                    + ", Kafka 4.1 broker process, synchronous_commit=" + app.jdbc().queryForObject("show synchronous_commit", String.class));

            // 1. ceiling
            double pg8 = pgbench(options.get("pgbench"), db, 8);
            double pg32 = pgbench(options.get("pgbench"), db, 32);
            double ceiling = Math.max(pg8, pg32);
            line(report, "");
            line(report, String.format("ceiling (pgbench, same two inserts per transaction, 15 s): %.0f tps at 8 clients, %.0f tps at 32 clients", pg8, pg32));
            app.jdbc().execute("truncate notes, outbox");

            // 2. sustained POST /notes, open model
            Load load = new Load(app.baseUrl());
            load.warmUp(Integer.parseInt(options.get("warmup"))); // JIT, pools: closed loop, as fast as it goes
            line(report, "");
            line(report, "| POST /notes target/s | achieved/s | share of ceiling | errors | p50 ms | p99 ms | p99.9 ms | max ms |");
            line(report, "|---|---|---|---|---|---|---|---|");
            int seconds = Integer.parseInt(options.get("seconds"));
            for (String rate : options.get("rates").equals("none") ? new String[0] : options.get("rates").split(",")) {
                Load.Result result = load.run(Integer.parseInt(rate.strip()), seconds, null);
                line(report, String.format("| %d | %.0f | %.0f %% | %d | %.1f | %.1f | %.1f | %.1f |", result.target, result.achieved,
                        100 * result.achieved / ceiling, result.errors, ms(result.latency, 50), ms(result.latency, 99),
                        ms(result.latency, 99.9), result.latency.getMaxValue() / 1000.0));
                awaitEmptyOutbox(app);
            }

            // 3. commit-to-Kafka at 500/s
            Histogram toKafka = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
            AtomicBoolean reading = new AtomicBoolean(true);
            CompletableFuture<Void> consumer = CompletableFuture.runAsync(() -> consume(kafka.bootstrapServers(), app.topic(), toKafka, reading));
            Thread.sleep(2000);
            int latencyRate = Integer.parseInt(options.get("latencyRate"));
            Load.Result at500 = load.run(latencyRate, seconds, null);
            awaitEmptyOutbox(app);
            Thread.sleep(1000);
            reading.set(false);
            consumer.get();
            line(report, "");
            line(report, String.format("commit-to-Kafka at %d writes/s (%d events; event time in the transaction -> read_committed consumer): "
                            + "p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms (HTTP p99 meanwhile %.1f ms)",
                    latencyRate, toKafka.getTotalCount(), ms(toKafka, 50), ms(toKafka, 99), ms(toKafka, 99.9), toKafka.getMaxValue() / 1000.0,
                    ms(at500.latency, 99)));

            // 4. drain
            int backlog = Integer.parseInt(options.get("backlog"));
            app.bean(OutboxRelay.class).stop();
            line(report, "");
            for (String transactionalId : List.of("herald-outbox-relay-bench-drain", "")) {
                fillBacklog(db, backlog);
                OutboxProperties configured = app.bean(OutboxProperties.class);
                OutboxProperties.Relay r = configured.relay();
                OutboxProperties properties = new OutboxProperties(configured.topic(), new OutboxProperties.Relay(true,
                        r.batchSize(), r.pollInterval(), r.leaderRetryInterval(), r.lockKey(), transactionalId, r.maxBackoff(), r.sendTimeout()));
                OutboxRelay relay = OutboxConfiguration.relay("drain", app.bean(DataSourceProperties.class),
                        app.bean(KafkaProperties.class), properties, new RelayWakeUp(), new RelayMetrics(new SimpleMeterRegistry()));
                long start = System.nanoTime();
                relay.start();
                awaitEmptyOutbox(app);
                double elapsed = (System.nanoTime() - start) / 1e9;
                relay.stop();
                line(report, String.format("relay drain of %,d events (batch %d, %s): %.1f s, %,.0f events/s (%.1fx the write ceiling)",
                        backlog, r.batchSize(), transactionalId.isEmpty() ? "idempotent, no transactions" : "one Kafka transaction per batch",
                        elapsed, backlog / elapsed, backlog / elapsed / ceiling));
            }
        }
        System.out.println("\n===== RESULT =====\n" + report);
        Files.writeString(Path.of("target", "notes-writes-result.md"), report.toString());
        System.exit(0);
    }

    private static void line(StringBuilder report, String text) {
        report.append(text).append('\n');
        System.out.println(text);
    }

    private static double ms(Histogram histogram, double percentile) {
        return histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    private static double pgbench(String pgbench, String jdbcUrl, int clients) throws Exception {
        Path script = Files.createTempFile("notes-pgbench", ".sql");
        Files.writeString(script, """
                BEGIN;
                INSERT INTO notes (id, title, content, created_by, version, created_at, updated_at)
                  VALUES (gen_random_uuid(), 'bench title', repeat('x', 200), 'bench', 0, now(), now());
                INSERT INTO outbox (event_id, note_id, event_type, occurred_at, payload)
                  VALUES (gen_random_uuid(), gen_random_uuid(), 'notes.created', now(), convert_to(repeat('x', 560), 'UTF8'));
                END;
                """);
        String database = jdbcUrl.substring(jdbcUrl.lastIndexOf('/') + 1);
        ProcessBuilder builder = new ProcessBuilder(pgbench, "-h", "localhost", "-p", String.valueOf(HeraldPostgres.port()),
                "-U", HeraldPostgres.USER, "-n", "-M", "prepared", "-c", String.valueOf(clients), "-j", "2", "-T", "15",
                "-f", script.toString(), database).redirectErrorStream(true);
        builder.environment().put("PGPASSWORD", HeraldPostgres.PASSWORD);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        process.waitFor();
        for (String line : output.split("\n")) {
            if (line.startsWith("tps = ")) {
                return Double.parseDouble(line.substring(6).split(" ")[0]);
            }
        }
        throw new IllegalStateException("pgbench said:\n" + output);
    }

    private static void awaitEmptyOutbox(NotesApp app) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (app.count("outbox") > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the outbox did not drain");
            }
            Thread.sleep(20);
        }
    }

    /** Inserts real encoded events straight into the outbox (the relay is stopped meanwhile). */
    private static void fillBacklog(String jdbcUrl, int events) throws Exception {
        try (Connection connection = DriverManager.getConnection(jdbcUrl, HeraldPostgres.USER, HeraldPostgres.PASSWORD);
             PreparedStatement insert = connection.prepareStatement(
                     "insert into outbox (event_id, note_id, event_type, occurred_at, payload) values (?, ?, ?, ?, ?)")) {
            connection.setAutoCommit(false);
            for (int i = 0; i < events; i++) {
                Instant now = Instant.now();
                NoteData note = new NoteData(UUID.randomUUID(), "backlog " + i, CONTENT, "bench", 0, now, now);
                ServiceEvent event = ServiceEvent.forNote(UUID.randomUUID(), Action.CREATED, note, "bench", now);
                insert.setObject(1, event.id());
                insert.setObject(2, note.id());
                insert.setString(3, event.cloudEventType());
                insert.setTimestamp(4, Timestamp.from(now));
                insert.setBytes(5, CODEC.encode(event));
                insert.addBatch();
                if (i % 1000 == 999) {
                    insert.executeBatch();
                    connection.commit();
                }
            }
            insert.executeBatch();
            connection.commit();
        }
    }

    private static void consume(String bootstrap, String topic, Histogram latency, AtomicBoolean reading) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            while (reading.get()) {
                for (var record : consumer.poll(Duration.ofMillis(50))) {
                    Instant received = Instant.now();
                    Instant eventTime = CODEC.decode(record.value()).timestamp();
                    latency.recordValue(Math.max(0, Duration.between(eventTime, received).toNanos() / 1000));
                }
            }
        }
    }

    /** Open-model load: requests leave on a fixed schedule whatever the responses do. */
    static final class Load {

        record Result(int target, double achieved, long errors, Histogram latency) {
        }

        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        private final URI notes;
        private final List<String> tokens = new ArrayList<>();

        Load(String baseUrl) {
            this.notes = URI.create(baseUrl + "/notes");
            for (int i = 0; i < 50; i++) {
                tokens.add(HeraldIssuer.token("bench-user-" + i, "user"));
            }
        }

        /** {@code requests} sent by 16 senders back to back, so the JIT has compiled the hot path before measuring. */
        void warmUp(int requests) throws Exception {
            AtomicLong sent = new AtomicLong();
            try (var senders = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int s = 0; s < 16; s++) {
                    senders.submit(() -> {
                        long i;
                        while ((i = sent.incrementAndGet()) <= requests) {
                            http.send(request(i), HttpResponse.BodyHandlers.discarding());
                        }
                        return null;
                    });
                }
            }
        }

        private HttpRequest request(long i) {
            return HttpRequest.newBuilder(notes).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + tokens.get((int) (i % tokens.size())))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"bench " + i + "\",\"content\":\"" + CONTENT + "\"}"))
                    .build();
        }

        Result run(int perSecond, int seconds, @org.jspecify.annotations.Nullable Object unused) throws Exception {
            Recorder recorder = new Recorder(3);
            AtomicLong errors = new AtomicLong();
            AtomicLong ok = new AtomicLong();
            long total = (long) perSecond * seconds;
            long interval = 1_000_000_000L / perSecond;
            long start = System.nanoTime() + 50_000_000;
            // 64 senders share the schedule (sender w sends requests w, w+64, ...): at most 64 requests in flight;
            // a request that leaves late because its sender is still waiting counts that wait in its latency
            int senders = 64;
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int w = 0; w < senders; w++) {
                    int sender = w;
                    pool.submit(() -> {
                        for (long i = sender; i < total; i += senders) {
                            long intended = start + i * interval;
                            long wait;
                            while ((wait = intended - System.nanoTime()) > 0) {
                                LockSupport.parkNanos(wait);
                            }
                            try {
                                HttpResponse<Void> response = http.send(request(i), HttpResponse.BodyHandlers.discarding());
                                if (response.statusCode() == 201) {
                                    ok.incrementAndGet();
                                } else {
                                    errors.incrementAndGet();
                                }
                            } catch (Exception e) {
                                errors.incrementAndGet();
                            }
                            recorder.recordValue(Math.max(0, (System.nanoTime() - intended) / 1000));
                        }
                        return null;
                    });
                }
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            return new Result(perSecond, ok.get() / elapsed, errors.get(), recorder.getIntervalHistogram());
        }
    }
}
