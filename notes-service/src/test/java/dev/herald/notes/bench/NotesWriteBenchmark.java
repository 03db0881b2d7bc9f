package dev.herald.notes.bench;

import dev.herald.contracts.Action;
import dev.herald.contracts.NoteData;
import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.ServiceEventCodec;
import dev.herald.testsupport.HeraldIssuer;
import dev.herald.testsupport.KafkaBrokerProcess;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * notes-service write benchmark, everything real and each part in its own process: PostgreSQL (embedded
 * binaries, durable: {@code fsync=on}, {@code synchronous_commit=on}), a Kafka broker process, the service
 * from its jar (as deployed, optionally recording a JFR profile), and this process as the OIDC issuer and the
 * open-model load generator (fixed arrival rate; latency from the intended send time, so a stall counts for
 * every request it delays). Measures, in one run:
 * <ol>
 *   <li>the ceiling: pgbench running the same two inserts (note + outbox row) per transaction on the same
 *       server;</li>
 *   <li>sustained {@code POST /notes} at stepped rates: achieved rate, p50/p99, the service's CPU per write;</li>
 *   <li>commit-to-Kafka latency at 500 writes/s (event time, set inside the transaction, to a read_committed
 *       consumer receiving it: an upper bound);</li>
 *   <li>relay drain rate from a backlog (default 100,000 events), with small and with 16 KiB notes: this process
 *       holds the relay's advisory lock while it fills the outbox, then lets the service's relay take it.</li>
 * </ol>
 * Prints a Markdown block. Arguments {@code key=value}: {@code jar} (the service jar), {@code rates}
 * ({@code 500,1000,1500,2000}), {@code seconds} (20), {@code warmup} (20000 requests), {@code latencyRate} (500),
 * {@code backlog} (100000), {@code largeContent} (16384 bytes), {@code pgbench} (path), {@code pgbenchSeconds} (15),
 * {@code profile} (true: JFR of the service to {@code target/notes-service.jfr}).
 */
public final class NotesWriteBenchmark {

    private static final ServiceEventCodec CODEC = new ServiceEventCodec();
    private static final String CONTENT = "x".repeat(200);
    private static final long LOCK_KEY = 7346025871234501L;

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>(Map.of(
                "rates",
                "500,1000,1500,2000",
                "seconds",
                "20",
                "backlog",
                "100000",
                "pgbench",
                "pgbench",
                "warmup",
                "20000",
                "latencyRate",
                "500",
                "largeContent",
                "16384",
                "pgbenchSeconds",
                "15",
                "profile",
                "false"));
        for (String arg : args) {
            String[] pair = arg.split("=", 2);
            options.put(pair[0], pair[1]);
        }
        StringBuilder report = new StringBuilder();
        Path data = Files.createTempDirectory("notes-bench-pg");
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                        .setDataDirectory(data)
                        .setCleanDataDirectory(true)
                        .setServerConfig("fsync", "on")
                        .setServerConfig("synchronous_commit", "on")
                        .setServerConfig("full_page_writes", "on")
                        .setServerConfig("max_connections", "200")
                        .setServerConfig("shared_buffers", "512MB")
                        .start();
                KafkaBrokerProcess kafka = KafkaBrokerProcess.start()) {
            String db = "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres";
            try (Connection connection = DriverManager.getConnection(db, "postgres", "postgres");
                    Statement statement = connection.createStatement()) {
                statement.execute("create database bench");
            }
            db = "jdbc:postgresql://localhost:" + postgres.getPort() + "/bench";
            try (ServiceProcess service = ServiceProcess.start(
                    options.get("jar"), db, kafka.bootstrapServers(), Boolean.parseBoolean(options.get("profile")))) {
                line(
                        report,
                        "machine: " + Runtime.getRuntime().availableProcessors() + " cores, Java " + Runtime.version()
                                + ", PostgreSQL " + sql(db, "show server_version") + " (embedded binaries, fsync="
                                + sql(db, "show fsync")
                                + ", synchronous_commit=" + sql(db, "show synchronous_commit") + ", full_page_writes="
                                + sql(db, "show full_page_writes")
                                + "), Kafka broker process, notes-service jar in its own JVM"
                                + (service.profiling() ? " recording JFR to " + ServiceProcess.JFR : ""));

                // 1. ceiling
                int pgSeconds = Integer.parseInt(options.get("pgbenchSeconds"));
                double pg8 = pgbench(options.get("pgbench"), postgres.getPort(), 8, pgSeconds);
                double pg32 = pgbench(options.get("pgbench"), postgres.getPort(), 32, pgSeconds);
                double ceiling = Math.max(pg8, pg32);
                line(report, "");
                line(
                        report,
                        String.format(
                                "ceiling (pgbench, the same two inserts per transaction, %d s each): %.0f tps at 8 clients, %.0f tps at 32 clients",
                                pgSeconds, pg8, pg32));
                update(db, "truncate notes, outbox");

                // 2. sustained POST /notes, open model
                Load load = new Load(service.baseUrl());
                load.warmUp(Integer.parseInt(options.get("warmup"))); // JIT, pools: closed loop, as fast as it goes
                awaitEmptyOutbox(db);
                line(report, "");
                line(
                        report,
                        "| POST /notes target/s | achieved/s | share of ceiling | errors | p50 ms | p99 ms | p99.9 ms | max ms | service CPU ms/write |");
                line(report, "|---|---|---|---|---|---|---|---|---|");
                int seconds = Integer.parseInt(options.get("seconds"));
                double saturation = 0;
                for (String rate : options.get("rates").equals("none")
                        ? new String[0]
                        : options.get("rates").split(",")) {
                    long cpu = service.cpuNanos();
                    Load.Result result = load.run(Integer.parseInt(rate.strip()), seconds);
                    double cpuPerWrite = (service.cpuNanos() - cpu) / 1e6 / Math.max(1, result.ok());
                    saturation = Math.max(saturation, result.achieved());
                    line(
                            report,
                            String.format(
                                    "| %d | %.0f | %.0f %% | %d | %.1f | %.1f | %.1f | %.1f | %.2f |",
                                    result.target(),
                                    result.achieved(),
                                    100 * result.achieved() / ceiling,
                                    result.errors(),
                                    ms(result.latency(), 50),
                                    ms(result.latency(), 99),
                                    ms(result.latency(), 99.9),
                                    result.latency().getMaxValue() / 1000.0,
                                    cpuPerWrite));
                    awaitEmptyOutbox(db);
                }
                line(
                        report,
                        String.format(
                                "saturation: %.0f writes/s, %.0f %% of the ceiling",
                                saturation, 100 * saturation / ceiling));

                // 3. commit-to-Kafka at 500/s
                Histogram toKafka = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
                AtomicBoolean reading = new AtomicBoolean(true);
                CountDownLatch assigned = new CountDownLatch(1);
                CompletableFuture<Void> consumer = CompletableFuture.runAsync(
                        () -> consume(kafka.bootstrapServers(), "notes.events", toKafka, reading, assigned));
                assigned.await(30, TimeUnit.SECONDS);
                int latencyRate = Integer.parseInt(options.get("latencyRate"));
                Load.Result atRate = load.run(latencyRate, seconds);
                awaitEmptyOutbox(db);
                long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                while (System.nanoTime() < settle) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                }
                reading.set(false);
                consumer.get();
                line(report, "");
                line(
                        report,
                        String.format(
                                "commit-to-Kafka at %d writes/s (%d events; event time in the transaction -> read_committed consumer): "
                                        + "p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms (HTTP p99 meanwhile %.1f ms)",
                                latencyRate,
                                toKafka.getTotalCount(),
                                ms(toKafka, 50),
                                ms(toKafka, 99),
                                ms(toKafka, 99.9),
                                toKafka.getMaxValue() / 1000.0,
                                ms(atRate.latency(), 99)));

                // 4. drain, small and large notes
                int backlog = Integer.parseInt(options.get("backlog"));
                line(report, "");
                for (int contentBytes : List.of(CONTENT.length(), Integer.parseInt(options.get("largeContent")))) {
                    double elapsed = drain(db, backlog, "y".repeat(contentBytes));
                    line(
                            report,
                            String.format(
                                    "relay drain of %,d events with %,d-byte notes (one Kafka transaction per batch): %.1f s, %,.0f events/s",
                                    backlog, contentBytes, elapsed, backlog / elapsed));
                }
            }
        }
        System.out.println("\n===== RESULT =====\n" + report);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "notes-writes-result.md"), report.toString());
        System.exit(0);
    }

    /**
     * Takes the relay's lock (ending the leading relay's session: it retries a second later, as after any lost
     * session) and holds it on a session of its own while it fills the outbox, then releases it: the service's
     * relay takes over at its next attempt. Timed from the first event published to the empty outbox.
     */
    private static double drain(String db, int events, String content) throws Exception {
        try (Connection lock = DriverManager.getConnection(db, "postgres", "postgres")) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!tryLock(lock)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the relay's lock stays taken");
                }
                try (Statement statement = lock.createStatement()) {
                    statement.execute("select pg_terminate_backend(pid, 5000) from pg_stat_activity"
                            + " where application_name like 'herald-outbox-relay-%'");
                }
            }
            awaitEmptyOutbox(db); // what the relay had started before it stepped down is gone
            fillBacklog(db, events, content);
        } // the session ends: the lock is free
        try (Connection connection = DriverManager.getConnection(db, "postgres", "postgres");
                PreparedStatement count = connection.prepareStatement("select count(*) from outbox")) {
            long start = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (true) {
                long pending;
                try (ResultSet result = count.executeQuery()) {
                    result.next();
                    pending = result.getLong(1);
                }
                if (start == 0 && pending < events) {
                    start = System.nanoTime();
                }
                if (pending == 0) {
                    return (System.nanoTime() - start) / 1e9;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the outbox did not drain");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
        }
    }

    private static boolean tryLock(Connection connection) throws Exception {
        try (PreparedStatement statement = connection.prepareStatement("select pg_try_advisory_lock(?)")) {
            statement.setLong(1, LOCK_KEY);
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                return result.getBoolean(1);
            }
        }
    }

    private static String sql(String db, String query) throws Exception {
        try (Connection connection = DriverManager.getConnection(db, "postgres", "postgres");
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(query)) {
            result.next();
            return result.getString(1);
        }
    }

    private static void update(String db, String command) throws Exception {
        try (Connection connection = DriverManager.getConnection(db, "postgres", "postgres");
                Statement statement = connection.createStatement()) {
            statement.execute(command);
        }
    }

    private static void line(StringBuilder report, String text) {
        report.append(text).append('\n');
        System.out.println(text);
    }

    private static double ms(Histogram histogram, double percentile) {
        return histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    private static double pgbench(String pgbench, int port, int clients, int seconds) throws Exception {
        Path script = Files.createTempFile("notes-pgbench", ".sql");
        Files.writeString(script, """
                BEGIN;
                INSERT INTO notes (id, title, content, created_by, version, created_at, updated_at)
                  VALUES (gen_random_uuid(), 'bench title', repeat('x', 200), 'bench', 0, now(), now());
                INSERT INTO outbox (event_id, note_id, event_type, occurred_at, payload)
                  VALUES (gen_random_uuid(), gen_random_uuid(), 'notes.created', now(), convert_to(repeat('x', 560), 'UTF8'));
                END;
                """);
        ProcessBuilder builder = new ProcessBuilder(
                        pgbench,
                        "-h",
                        "localhost",
                        "-p",
                        String.valueOf(port),
                        "-U",
                        "postgres",
                        "-n",
                        "-M",
                        "prepared",
                        "-c",
                        String.valueOf(clients),
                        "-j",
                        "2",
                        "-T",
                        String.valueOf(seconds),
                        "-f",
                        script.toString(),
                        "bench")
                .redirectErrorStream(true);
        builder.environment().put("PGPASSWORD", "postgres");
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

    private static void awaitEmptyOutbox(String db) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (Long.parseLong(sql(db, "select count(*) from outbox")) > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the outbox did not drain");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    /** Inserts real encoded events straight into the outbox (no relay leads meanwhile). */
    private static void fillBacklog(String jdbcUrl, int events, String content) throws Exception {
        try (Connection connection = DriverManager.getConnection(jdbcUrl, "postgres", "postgres");
                PreparedStatement insert = connection.prepareStatement(
                        "insert into outbox (event_id, note_id, event_type, occurred_at, payload) values (?, ?, ?, ?, ?)")) {
            connection.setAutoCommit(false);
            for (int i = 0; i < events; i++) {
                Instant now = Instant.now();
                NoteData note = new NoteData(UUID.randomUUID(), "backlog " + i, content, "bench", 0, now, now);
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

    private static void consume(
            String bootstrap, String topic, Histogram latency, AtomicBoolean reading, CountDownLatch assigned) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
                5,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            assigned.countDown();
            while (reading.get()) {
                for (var record : consumer.poll(Duration.ofMillis(50))) {
                    Instant received = Instant.now();
                    Instant eventTime = CODEC.decode(record.value()).timestamp();
                    latency.recordValue(
                            Math.max(0, Duration.between(eventTime, received).toNanos() / 1000));
                }
            }
        }
    }

    /** Open-model load: requests leave on a fixed schedule whatever the responses do. */
    static final class Load {

        record Result(int target, double achieved, long ok, long errors, Histogram latency) {}

        private final HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
        private final URI notes;
        private final List<String> tokens = new ArrayList<>();

        Load(String baseUrl) {
            this.notes = URI.create(baseUrl + "/notes");
            for (int i = 0; i < 200; i++) { // each user stays well under the per-user write rate
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
            return HttpRequest.newBuilder(notes)
                    .timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + tokens.get((int) (i % tokens.size())))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"title\":\"bench " + i + "\",\"content\":\"" + CONTENT + "\"}"))
                    .build();
        }

        Result run(int perSecond, int seconds) throws Exception {
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
                                HttpResponse<Void> response =
                                        http.send(request(i), HttpResponse.BodyHandlers.discarding());
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
            return new Result(perSecond, ok.get() / elapsed, ok.get(), errors.get(), recorder.getIntervalHistogram());
        }
    }
}
