package dev.herald.loadgen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * One subscriber process: opens its share of the streams in batches over several loopback source
 * addresses, reports ready, keeps reading until the run is done, then checks every stream's events
 * against what it should have received (missing, duplicate, unexpected) and writes its result.
 */
final class Subscriber {

    private final Args args;
    private final RunDir runDir;
    private final String name;

    Subscriber(Args args) {
        this.args = args;
        this.runDir = new RunDir(Path.of(args.string("run-dir")));
        this.name = args.string("name");
    }

    void run() throws Exception {
        URI target = URI.create(args.string("target"));
        int streams = args.integer("streams", 1000);
        int offset = args.integer("stream-offset", 0);
        int batch = args.integer("batch", 500);
        long runId = args.longValue("run-id", 0);
        Owners owners = new Owners(
                args.integer("users", 1000), args.integer("admin-streams", 0), args.integer("admin-users", 1));
        List<InetSocketAddress> sources = args.list("sources", "127.0.0.2").stream()
                .map(host -> new InetSocketAddress(host, 0))
                .toList();
        Map<String, String> tokens = readTokens(args.string("tokens", ""));
        InetSocketAddress address = new InetSocketAddress(target.getHost(), target.getPort());

        AtomicInteger settled = new AtomicInteger();
        AtomicInteger closedWhileStreaming = new AtomicInteger();
        int loopCount = args.integer("loops", 1);
        List<ClientLoop> loops = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < loopCount; i++) {
            ClientLoop loop = new ClientLoop(runId, settled, closedWhileStreaming);
            loops.add(loop);
            threads.add(Thread.ofPlatform().name("sse-loop-" + i).start(loop));
        }

        List<Stream> all = new ArrayList<>(streams);
        long rampStart = System.nanoTime();
        for (int from = 0; from < streams; from += batch) {
            int to = Math.min(streams, from + batch);
            for (int i = from; i < to; i++) {
                int global = offset + i;
                String user = owners.userNameOf(global);
                Stream stream = new Stream(
                        global, owners.userOf(global), owners.isAdminStream(global), request(target, tokens.get(user)));
                all.add(stream);
                ClientLoop.connect(stream, loops.get(i % loopCount), sources.get(i % sources.size()), address);
            }
            awaitSettled(settled, to, Duration.ofSeconds(60));
        }
        double rampSeconds = (System.nanoTime() - rampStart) / 1e9;
        Map<String, Integer> failures = new TreeMap<>();
        int open = 0;
        for (Stream stream : all) {
            if (stream.state == Stream.State.STREAMING) {
                open++;
            } else {
                failures.merge(String.valueOf(stream.failure), 1, Integer::sum);
            }
        }
        System.out.printf(
                "[%s] %d/%d streams open in %.1f s; failures %s%n", name, open, streams, rampSeconds, failures);
        Properties ready = new Properties();
        ready.setProperty("open", String.valueOf(open));
        ready.setProperty("ramp.seconds", String.format("%.1f", rampSeconds));
        runDir.write("ready-" + name, ready);

        runDir.await(RunDir.DONE, Duration.ofHours(2));
        long events = Long.parseLong(runDir.read(RunDir.DONE).getProperty("events", "0"));
        awaitQuiet(
                loops,
                Duration.ofMillis(args.integer("drain-ms", 3000)),
                Duration.ofMillis(args.integer("drain-max-ms", 60_000)));
        for (ClientLoop loop : loops) {
            loop.stop();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        writeResult(all, loops, owners, events, open, failures, closedWhileStreaming.get());
    }

    private void writeResult(
            List<Stream> all,
            List<ClientLoop> loops,
            Owners owners,
            long events,
            int open,
            Map<String, Integer> failures,
            int closedWhileStreaming) {
        int[] ownedCounts = new int[owners.users()];
        for (long seq = 0; seq < events; seq++) {
            ownedCounts[owners.ownerOf(seq)]++;
        }
        long expected = 0;
        long missing = 0;
        long duplicates = 0;
        long unexpected = 0;
        long streamsWithLoss = 0;
        for (Stream stream : all) {
            if (stream.status != 200) {
                continue;
            }
            int[] seqs = stream.receivedSorted();
            long distinctAllowed = 0;
            for (int i = 0; i < seqs.length; i++) {
                if (i > 0 && seqs[i] == seqs[i - 1]) {
                    duplicates++;
                    continue;
                }
                boolean allowed = stream.admin || owners.ownerOf(seqs[i]) == stream.userIndex;
                if (allowed && seqs[i] < events) {
                    distinctAllowed++;
                } else {
                    unexpected++;
                }
            }
            long want = stream.admin ? events : ownedCounts[stream.userIndex];
            expected += want;
            missing += want - distinctAllowed;
            if (want > distinctAllowed) {
                streamsWithLoss++;
            }
        }
        Properties result = new Properties();
        result.setProperty("streams.open", String.valueOf(open));
        result.setProperty("streams.failed", failures.toString());
        result.setProperty("streams.closed.during.run", String.valueOf(closedWhileStreaming));
        result.setProperty("streams.with.loss", String.valueOf(streamsWithLoss));
        result.setProperty("deliveries.expected", String.valueOf(expected));
        result.setProperty("deliveries.missing", String.valueOf(missing));
        result.setProperty("deliveries.duplicate", String.valueOf(duplicates));
        result.setProperty("deliveries.unexpected", String.valueOf(unexpected));
        long deliveries = 0;
        long foreign = 0;
        for (ClientLoop loop : loops) {
            deliveries += loop.deliveries;
            foreign += loop.foreign;
        }
        result.setProperty("deliveries.total", String.valueOf(deliveries));
        result.setProperty("deliveries.foreign", String.valueOf(foreign));
        for (int phase = 0; phase < ClientLoop.MAX_PHASES; phase++) {
            Histogram measured = new Histogram(3_600_000_000L, 3);
            Histogram tail = new Histogram(3_600_000_000L, 3);
            long count = 0;
            for (ClientLoop loop : loops) {
                measured.add(loop.measured[phase]);
                tail.add(loop.tail[phase]);
                count += loop.measuredDeliveries[phase];
            }
            if (count > 0) {
                result.setProperty("phase." + phase + ".deliveries", String.valueOf(count));
                result.setProperty("phase." + phase + ".histogram", encode(measured));
                result.setProperty("phase." + phase + ".tail", encode(tail));
            }
        }
        runDir.write("result-" + name, result);
        System.out.printf("[%s] result: %s%n", name, new TreeMap<>(filtered(result)));
    }

    private static Map<String, String> filtered(Properties properties) {
        Map<String, String> shown = new HashMap<>();
        properties.forEach((k, v) -> {
            if (!k.toString().endsWith("histogram") && !k.toString().endsWith("tail")) {
                shown.put(k.toString(), v.toString());
            }
        });
        return shown;
    }

    static String encode(Histogram histogram) {
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), length));
    }

    static Histogram decode(String base64) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(
                    ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
        } catch (java.util.zip.DataFormatException e) {
            throw new IllegalArgumentException("bad histogram", e);
        }
    }

    /**
     * Events may still be on their way when the producer is done: keep reading until no delivery arrived
     * for {@code quiet} (or {@code max} passed), so a slow server shows as latency, not as loss.
     */
    private static void awaitQuiet(List<ClientLoop> loops, Duration quiet, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        long last = -1;
        long lastChange = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long now = loops.stream().mapToLong(ClientLoop::deliveriesSoFar).sum();
            if (now != last) {
                last = now;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange >= quiet.toNanos()) {
                return;
            }
            LockSupport.parkNanos(100_000_000L);
        }
    }

    private static void awaitSettled(AtomicInteger settled, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (settled.get() < count && System.nanoTime() < deadline) {
            LockSupport.parkNanos(10_000_000L);
        }
    }

    static ByteBuffer request(URI target, @Nullable String token) {
        String path = target.getRawPath() + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery());
        StringBuilder request = new StringBuilder()
                .append("GET ")
                .append(path)
                .append(" HTTP/1.1\r\n")
                .append("Host: ")
                .append(target.getHost())
                .append(':')
                .append(target.getPort())
                .append("\r\n")
                .append("Accept: text/event-stream\r\n")
                .append("Cache-Control: no-cache\r\n");
        if (token != null) {
            request.append("Authorization: Bearer ").append(token).append("\r\n");
        }
        request.append("\r\n");
        return ByteBuffer.wrap(request.toString().getBytes(StandardCharsets.US_ASCII));
    }

    private static Map<String, String> readTokens(String file) {
        Map<String, String> tokens = new HashMap<>();
        if (file.isEmpty()) {
            return tokens;
        }
        try {
            for (String line : Files.readAllLines(Path.of(file))) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    tokens.put(line.substring(0, tab), line.substring(tab + 1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return tokens;
    }
}
