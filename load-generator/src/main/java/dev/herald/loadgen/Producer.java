package dev.herald.loadgen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The producing side of a run: waits for every subscriber to be ready, then sends events on a fixed
 * schedule, phase after phase ({@code events/s:warmup-s:measure-s}), samples the server's CPU over each
 * phase's measured window, writes {@code done} and merges the subscribers' results into a report.
 */
final class Producer {

    /**
     * {@code events/s:warmup-s:measure-s}, or {@code burst:N}: N events released at once (one Kafka
     * transaction), all measured, their latency counted from the release.
     */
    record Phase(double eventsPerSecond, double warmupSeconds, double measureSeconds, long burst) {
        static Phase parse(String spec) {
            String[] parts = spec.split(":");
            if (parts[0].equals("burst")) {
                return new Phase(0, 0, 0, Long.parseLong(parts[1]));
            }
            return new Phase(
                    Double.parseDouble(parts[0]), Double.parseDouble(parts[1]), Double.parseDouble(parts[2]), 0);
        }

        long warmupEvents() {
            return Math.round(eventsPerSecond * warmupSeconds);
        }

        long totalEvents() {
            return burst > 0 ? burst : warmupEvents() + Math.round(eventsPerSecond * measureSeconds);
        }
    }

    record PhaseCpu(double serverMillis, double machineBusy) {}

    private final Args args;
    private final RunDir runDir;
    private String kafkaHop = "";
    /** Burst phases: milliseconds from the events' stamp to their release (the commit). */
    private final Map<Integer, Double> releaseMillis = new HashMap<>();

    Producer(Args args) {
        this.args = args;
        this.runDir = new RunDir(Path.of(args.string("run-dir")));
    }

    void run() throws Exception {
        long runId = args.longValue("run-id", 0);
        int subscribers = args.integer("subscribers", 1);
        Owners owners = new Owners(args.integer("users", 1000), 0, 1);
        List<Phase> phases =
                args.list("phases", "2:5:20").stream().map(Phase::parse).toList();
        List<Long> serverPids =
                args.list("server-pids", "").stream().map(Long::parseLong).toList();
        Duration pause = Duration.ofMillis(args.integer("pause-ms", 3000));
        Duration settle = Duration.ofMillis(args.integer("settle-ms", 1000));

        List<String> ready = runDir.awaitCount("ready-", subscribers, Duration.ofMinutes(10));
        int open = 0;
        for (String name : ready) {
            open += Integer.parseInt(runDir.read(name).getProperty("open", "0"));
        }
        System.out.printf("producer: %d subscribers ready, %d streams open%n", ready.size(), open);

        KafkaHopProbe probe = null;
        Thread probeThread = null;
        if (args.string("nchan-publish", "").isEmpty()) {
            probe = new KafkaHopProbe(
                    args.string("bootstrap-servers"), dev.herald.contracts.Topics.NOTES_EVENTS, runId);
            probeThread = Thread.ofPlatform().name("kafka-hop-probe").start(probe);
        }
        List<PhaseCpu> cpu = new ArrayList<>();
        long seqBase = 0;
        long errors;
        try (Publisher publisher = publisher()) {
            for (int p = 0; p < phases.size(); p++) {
                Phase phase = phases.get(p);
                if (phase.burst() > 0) {
                    cpu.add(burst(publisher, phase, p, owners, runId, seqBase, serverPids, settle));
                    seqBase += phase.totalEvents();
                    continue;
                }
                long total = phase.totalEvents();
                long warmup = phase.warmupEvents();
                long tailFrom = warmup + (total - warmup) * 3 / 4;
                Schedule schedule = new Schedule(System.nanoTime() + 50_000_000L, phase.eventsPerSecond());
                CpuSample before = null;
                long sent = 0;
                long maxLagNanos = 0;
                while (sent < total) {
                    long now = System.nanoTime();
                    long due = Math.min(total, schedule.dueCount(now));
                    while (sent < due) {
                        if (sent == warmup) {
                            before = CpuSample.take(serverPids);
                        }
                        long seq = seqBase + sent;
                        int part = sent < warmup ? Marker.WARMUP : sent >= tailFrom ? Marker.TAIL : Marker.MEASURED;
                        long intended = schedule.intendedNanos(sent);
                        maxLagNanos = Math.max(maxLagNanos, System.nanoTime() - intended);
                        publisher.publish(
                                Owners.userName(owners.ownerOf(seq)), Marker.content(runId, p, part, seq, intended));
                        sent++;
                    }
                    if (sent < total) {
                        LockSupport.parkNanos(schedule.intendedNanos(sent) - System.nanoTime());
                    }
                }
                LockSupport.parkNanos(schedule.intendedNanos(total) - System.nanoTime() + settle.toNanos());
                CpuSample after = CpuSample.take(serverPids);
                cpu.add(
                        before == null
                                ? new PhaseCpu(Double.NaN, Double.NaN)
                                : new PhaseCpu(
                                        after.processMillisSince(before), after.machineBusyFractionSince(before)));
                System.out.printf(
                        Locale.ROOT,
                        "producer: phase %d sent %d events at %.1f/s (max send lag %.1f ms)%n",
                        p,
                        total,
                        phase.eventsPerSecond(),
                        maxLagNanos / 1e6);
                seqBase += total;
                if (p + 1 < phases.size()) {
                    LockSupport.parkNanos(pause.toNanos());
                }
            }
            errors = publisher.errors();
        }
        if (probe != null) {
            LockSupport.parkNanos(Duration.ofSeconds(2).toNanos());
            probe.stop();
            Objects.requireNonNull(probeThread, "started with the probe").join();
            Histogram hop = probe.histogram;
            kafkaHop = String.format(
                    Locale.ROOT,
                    "kafka hop alone (intended send -> a plain consumer of the topic): "
                            + "p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d records)%n",
                    ms(hop, 50),
                    ms(hop, 99),
                    hop.getMaxValue() / 1000.0,
                    hop.getTotalCount());
        }
        Properties done = new Properties();
        done.setProperty("events", String.valueOf(seqBase));
        runDir.write(RunDir.DONE, done);

        List<String> results = runDir.awaitCount("result-", subscribers, Duration.ofMinutes(5));
        report(phases, cpu, results, errors, seqBase);
    }

    /**
     * A burst phase: N events stamped with one moment, sent in one transaction and released together at its
     * commit. A delivery's latency counts from the stamp; {@link #releaseMillis} keeps how long after the
     * stamp the commit came, so the report can say how long after the release the last stream had all.
     */
    private PhaseCpu burst(
            Publisher publisher,
            Phase phase,
            int p,
            Owners owners,
            long runId,
            long seqBase,
            List<Long> serverPids,
            Duration settle) {
        List<String> users = new ArrayList<>();
        List<String> contents = new ArrayList<>();
        long stamp = System.nanoTime();
        for (long i = 0; i < phase.burst(); i++) {
            long seq = seqBase + i;
            users.add(Owners.userName(owners.ownerOf(seq)));
            contents.add(Marker.content(runId, p, Marker.MEASURED, seq, stamp));
        }
        CpuSample before = CpuSample.take(serverPids);
        long released = publisher.publishAtOnce(users, contents);
        releaseMillis.put(p, (released - stamp) / 1e6);
        LockSupport.parkNanos(settle.toNanos() + Duration.ofSeconds(5).toNanos());
        CpuSample after = CpuSample.take(serverPids);
        System.out.printf(
                Locale.ROOT,
                "producer: phase %d released %d events at once, %.0f ms after their stamp%n",
                p,
                phase.burst(),
                (released - stamp) / 1e6);
        return new PhaseCpu(after.processMillisSince(before), after.machineBusyFractionSince(before));
    }

    private Publisher publisher() {
        String nchan = args.string("nchan-publish", "");
        return nchan.isEmpty()
                ? new KafkaPublisher(args.string("bootstrap-servers"))
                : new NchanPublisher(URI.create(nchan));
    }

    private void report(
            List<Phase> phases, List<PhaseCpu> cpu, List<String> resultNames, long publishErrors, long events) {
        List<Properties> results = resultNames.stream().map(runDir::read).toList();
        StringBuilder out = new StringBuilder();
        String label = args.string("label", "run");
        long expected = sum(results, "deliveries.expected");
        double fanout = events == 0 ? 0 : (double) expected / events;
        out.append(String.format(
                Locale.ROOT,
                "# %s: %d streams open, fan-out %.1f deliveries per event%n",
                label,
                sum(results, "streams.open"),
                fanout));
        out.append("phase  events/s  deliveries/s  delivered  p50ms  p90ms  p99ms  p99.9ms  maxms  tail-p99ms  "
                + "server-cpu-ms/1k  machine-busy%\n");
        for (int p = 0; p < phases.size(); p++) {
            Histogram all = new Histogram(3_600_000_000L, 3);
            Histogram tail = new Histogram(3_600_000_000L, 3);
            long delivered = 0;
            for (Properties result : results) {
                String h = result.getProperty("phase." + p + ".histogram");
                if (h != null) {
                    all.add(Subscriber.decode(h));
                    tail.add(Subscriber.decode(result.getProperty("phase." + p + ".tail")));
                    delivered += Long.parseLong(result.getProperty("phase." + p + ".deliveries"));
                }
            }
            Phase phase = phases.get(p);
            PhaseCpu c = cpu.get(p);
            double cpuPerThousand = delivered == 0 ? Double.NaN : c.serverMillis() / (delivered / 1000.0);
            String line = String.format(
                    Locale.ROOT,
                    "%5d  %8.1f  %12.0f  %9d  %5.1f  %5.1f  %5.1f  %7.1f  %5.0f  %10.1f  %16.1f  %13.0f",
                    p,
                    phase.eventsPerSecond(),
                    phase.eventsPerSecond() * fanout,
                    delivered,
                    ms(all, 50),
                    ms(all, 90),
                    ms(all, 99),
                    ms(all, 99.9),
                    all.getMaxValue() / 1000.0,
                    ms(tail, 99),
                    cpuPerThousand,
                    c.machineBusy() * 100);
            out.append(line).append('\n');
            Double release = releaseMillis.get(p);
            if (release != null) {
                out.append(String.format(
                        Locale.ROOT,
                        "burst %d: %d events released at once; the last stream had all %.0f ms after the release"
                                + " (max %.0f ms from the stamp, released %.0f ms after it)%n",
                        p,
                        phase.burst(),
                        all.getMaxValue() / 1000.0 - release,
                        all.getMaxValue() / 1000.0,
                        release));
            }
        }
        out.append(String.format(
                Locale.ROOT,
                "events %d, deliveries expected %d, missing %d, duplicate %d, unexpected %d, foreign %d, "
                        + "streams closed during run %d, streams with loss %d, publish errors %d, failed connects %s%n",
                events,
                expected,
                sum(results, "deliveries.missing"),
                sum(results, "deliveries.duplicate"),
                sum(results, "deliveries.unexpected"),
                sum(results, "deliveries.foreign"),
                sum(results, "streams.closed.during.run"),
                sum(results, "streams.with.loss"),
                publishErrors,
                results.stream().map(r -> r.getProperty("streams.failed")).toList()));
        out.append(kafkaHop);
        System.out.print(out);
        try {
            Files.writeString(runDir.path().resolve("report.txt"), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double ms(Histogram histogram, double percentile) {
        return histogram.getTotalCount() == 0 ? Double.NaN : histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    private static long sum(List<Properties> results, String key) {
        return results.stream()
                .mapToLong(r -> Long.parseLong(r.getProperty(key, "0")))
                .sum();
    }
}
