package dev.herald.loadgen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * The reconnect storm in one process: opens {@code --streams} streams (users {@code u<i>}, spread
 * evenly) on gateway A, publishes marked events to Kafka at {@code --rate} per second, kills gateway A hard
 * ({@code --kill-pid}, SIGKILL) after {@code --before-s}, and lets every stream reconnect to gateway B with
 * its {@code Last-Event-ID}: at once (the worst case), each after a random delay of up to
 * {@code --reconnect-spread-ms}, or, with {@code --honor-retry true}, as a browser's EventSource does: after
 * the {@code retry:} delay its stream last received (which the gateway jitters per stream).
 * {@code --survivor-streams} more streams are on gateway B from the start (a survivor that serves clients
 * of its own, as in any deployment of more than one instance); they must get every event too. Before the
 * kill each of them resumes {@code --survivor-resumes} times (closes and reconnects with its last id, as
 * clients do when their token expires), so the survivor has served resumes before the storm, as one that
 * has been running for a while has.
 * Events keep flowing for {@code --after-s}; then it checks every stream got each of its events exactly
 * once and reports: time to reconnect, catch-up time (kill → the stream has every event sent before it
 * was back), loss and duplicates.
 */
final class ReconnectStorm {

    private final Args args;

    ReconnectStorm(Args args) {
        this.args = args;
    }

    void run() throws Exception {
        URI first = URI.create(args.string("target"));
        URI failover = URI.create(args.string("failover"));
        int streamCount = args.integer("streams", 10_000);
        int users = args.integer("users", 1000);
        int rate = args.integer("rate", 1000);
        long runId = System.nanoTime() & 0xffffffL;
        Owners owners = new Owners(users, 0, 1);
        Map<String, String> tokens = readTokens(args.string("tokens"));
        List<InetSocketAddress> sources = args.list("sources", "127.0.0.2,127.0.0.3").stream()
                .map(host -> new InetSocketAddress(host, 0))
                .toList();
        Path out = Path.of(args.string("run-dir"));

        Loop[] loops = new Loop[args.integer("loops", 2)];
        InetSocketAddress b = new InetSocketAddress(failover.getHost(), failover.getPort());
        for (int i = 0; i < loops.length; i++) {
            loops[i] = new Loop(
                    runId,
                    b,
                    failover,
                    args.integer("reconnect-spread-ms", 0),
                    Boolean.parseBoolean(args.string("honor-retry", "false")));
            Thread.ofPlatform().name("storm-loop-" + i).start(loops[i]);
        }
        List<Client> clients = new ArrayList<>();
        int survivors = args.integer("survivor-streams", 0);
        if (survivors > 0) {
            long rampStart = System.nanoTime();
            openStreams(clients, streamCount, survivors, true, users, tokens, sources, loops, b, failover);
            log("%d survivor streams open on %s in %.1f s", survivors, failover, (System.nanoTime() - rampStart) / 1e9);
        }
        long rampStart = System.nanoTime();
        InetSocketAddress a = new InetSocketAddress(first.getHost(), first.getPort());
        long open = openStreams(clients, 0, streamCount, false, users, tokens, sources, loops, a, first);
        log("%d/%d streams open on %s in %.1f s", open, streamCount, first, (System.nanoTime() - rampStart) / 1e9);

        KafkaPublisher publisher = new KafkaPublisher(args.string("bootstrap-servers"));
        AtomicLong published = new AtomicLong();
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime();
        long beforeNanos = args.integer("before-s", 10) * 1_000_000_000L;
        long afterNanos = args.integer("after-s", 10) * 1_000_000_000L;
        long killAt = start + beforeNanos;
        long stopAt = killAt + afterNanos;
        long killNanos = 0;
        long seq = 0;
        List<Client> survivorClients = clients.stream().filter(c -> c.survivor).toList();
        int resumes = survivorClients.size() * args.integer("survivor-resumes", 0);
        long resumeEvery = resumes == 0 ? Long.MAX_VALUE : Math.max(1, (beforeNanos - 2_000_000_000L) / resumes);
        int resumed = 0;
        for (long intended = start; intended < stopAt; intended += interval) {
            long wait = intended - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            while (resumed < resumes && intended - start >= resumed * resumeEvery) {
                Client client = survivorClients.get(resumed % survivorClients.size());
                client.loop.resume(client);
                resumed++;
            }
            if (killNanos == 0 && intended >= killAt) {
                killNanos = System.nanoTime();
                for (Loop loop : loops) {
                    loop.killNanos = killNanos;
                }
                long pid = args.longValue("kill-pid", -1);
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                log("killed gateway A (pid %d)", pid);
            }
            publisher.publish(
                    Owners.userName(owners.ownerOf(seq)), Marker.content(runId, 0, Marker.MEASURED, seq, intended));
            seq++;
        }
        published.set(seq);
        publisher.close();
        log("published %d events at %d/s (%d send errors)", seq, rate, publisher.errors());
        awaitQuiet(loops, 3_000, 120_000);
        for (Loop loop : loops) {
            loop.stop();
        }
        report(clients, owners, published.get(), killNanos, out);
    }

    /** Opens streams {@code from} .. {@code from + count - 1} (user = index mod users); returns how many got 200. */
    private static long openStreams(
            List<Client> clients,
            int from,
            int count,
            boolean survivor,
            int users,
            Map<String, String> tokens,
            List<InetSocketAddress> sources,
            Loop[] loops,
            InetSocketAddress target,
            URI uri) {
        List<Client> opened = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            int user = i % users;
            Client client = new Client(
                    user,
                    tokenOf(tokens, Owners.userName(user)),
                    sources.get(i % sources.size()),
                    loops[i % loops.length],
                    survivor);
            opened.add(client);
            clients.add(client);
            client.loop.connect(client, target, uri, null);
            if ((i - from) % 500 == 499) {
                int openedSoFar = i - from + 1;
                awaitTrue(() -> opened.stream().filter(c -> c.status != 0).count() >= openedSoFar, 60_000);
            }
        }
        awaitTrue(() -> opened.stream().allMatch(c -> c.status != 0), 60_000);
        return opened.stream().filter(c -> c.status == 200).count();
    }

    private void report(List<Client> clients, Owners owners, long events, long killNanos, Path out) throws IOException {
        int[] owned = new int[owners.users()];
        for (long s = 0; s < events; s++) {
            owned[owners.ownerOf(s)]++;
        }
        Histogram reconnect = new Histogram(3_600_000_000L, 3);
        Histogram lost = new Histogram(3_600_000_000L, 3);
        Histogram replay = new Histogram(3_600_000_000L, 3);
        long retried = 0;
        Histogram catchUp = new Histogram(3_600_000_000L, 3);
        long missing = 0;
        long duplicates = 0;
        long unexpected = 0;
        long notBack = 0;
        long expected = 0;
        int survivors = 0;
        long survivorResumes = 0;
        for (Client client : clients) {
            if (client.survivor) {
                survivors++;
                survivorResumes += client.resumes;
            } else if (client.lostAt != 0) {
                lost.recordValue(Math.max(0, (client.lostAt - killNanos) / 1000));
            }
            retried += client.attempts > 0 ? 1 : 0;
            if (client.survivor) {
                // on B all along: only its deliveries are checked
            } else if (client.reconnectedAt == 0) {
                notBack++;
            } else {
                reconnect.recordValue(Math.max(0, (client.reconnectedAt - killNanos) / 1000));
                long caughtUp = Math.max(client.reconnectedAt, client.lastMissedReceivedAt);
                catchUp.recordValue(Math.max(0, (caughtUp - killNanos) / 1000));
                replay.recordValue(Math.max(0, (caughtUp - client.reconnectedAt) / 1000));
            }
            int[] seqs = Arrays.copyOf(client.received, client.receivedCount);
            Arrays.sort(seqs);
            long distinct = 0;
            for (int i = 0; i < seqs.length; i++) {
                if (i > 0 && seqs[i] == seqs[i - 1]) {
                    duplicates++;
                } else if (owners.ownerOf(seqs[i]) == client.user && seqs[i] < events) {
                    distinct++;
                } else {
                    unexpected++;
                }
            }
            expected += owned[client.user];
            missing += owned[client.user] - distinct;
        }
        String report = String.format(
                """
                reconnect storm: %d streams of %d users, %d events (kill after %ss, then %ss more), reconnect delay: %s
                survivor streams on B from the start (checked for loss and duplicates too): %d, resumed %d times before the kill
                streams not back on B: %d; streams that needed more than one attempt: %d
                loss seen by the client (kill -> EOF), ms: p50 %.0f  p99 %.0f  max %.0f
                deliveries expected %d, missing %d, duplicate %d, unexpected %d
                reconnected (kill -> HTTP 200 on B), ms: p50 %.0f  p99 %.0f  max %.0f
                caught up (kill -> has every event sent before it was back), ms: p50 %.0f  p99 %.0f  max %.0f
                catch-up after reconnecting (HTTP 200 on B -> has every event sent before), ms: p50 %.0f  p99 %.0f  max %.0f
                """,
                clients.size() - survivors,
                owners.users(),
                events,
                args.string("before-s", "10"),
                args.string("after-s", "10"),
                Boolean.parseBoolean(args.string("honor-retry", "false"))
                        ? "the stream's retry: hint, as EventSource"
                        : "random, up to " + args.string("reconnect-spread-ms", "0") + " ms",
                survivors,
                survivorResumes,
                notBack,
                retried,
                lost.getValueAtPercentile(50) / 1000.0,
                lost.getValueAtPercentile(99) / 1000.0,
                lost.getMaxValue() / 1000.0,
                expected,
                missing,
                duplicates,
                unexpected,
                reconnect.getValueAtPercentile(50) / 1000.0,
                reconnect.getValueAtPercentile(99) / 1000.0,
                reconnect.getMaxValue() / 1000.0,
                catchUp.getValueAtPercentile(50) / 1000.0,
                catchUp.getValueAtPercentile(99) / 1000.0,
                catchUp.getMaxValue() / 1000.0,
                replay.getValueAtPercentile(50) / 1000.0,
                replay.getValueAtPercentile(99) / 1000.0,
                replay.getMaxValue() / 1000.0);
        System.out.print(report);
        Files.writeString(out.resolve("report.txt"), report);
    }

    private static void awaitQuiet(Loop[] loops, long quietMillis, long maxMillis) {
        long deadline = System.nanoTime() + maxMillis * 1_000_000;
        long last = -1;
        long lastChange = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long now = 0;
            for (Loop loop : loops) {
                now += loop.deliveries;
            }
            if (now != last) {
                last = now;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange >= quietMillis * 1_000_000) {
                return;
            }
            LockSupport.parkNanos(100_000_000L);
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, long maxMillis) {
        long deadline = System.nanoTime() + maxMillis * 1_000_000;
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(20_000_000L);
        }
    }

    private static void log(String format, Object... values) {
        System.out.printf("[storm] " + format + "%n", values);
    }

    private static String tokenOf(Map<String, String> tokens, String user) {
        String token = tokens.get(user);
        if (token == null) {
            throw new IllegalArgumentException("the tokens file has no token for " + user);
        }
        return token;
    }

    private static Map<String, String> readTokens(String file) {
        Map<String, String> tokens = new HashMap<>();
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

    static ByteBuffer request(URI target, String token, @Nullable String lastEventId) {
        StringBuilder request = new StringBuilder()
                .append("GET ")
                .append(target.getRawPath())
                .append(" HTTP/1.1\r\n")
                .append("Host: ")
                .append(target.getHost())
                .append(':')
                .append(target.getPort())
                .append("\r\n")
                .append("Accept: text/event-stream\r\n")
                .append("Authorization: Bearer ")
                .append(token)
                .append("\r\n");
        if (lastEventId != null) {
            request.append("Last-Event-ID: ").append(lastEventId).append("\r\n");
        }
        return ByteBuffer.wrap(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
    }

    /** One stream across its two connections (A, then B). Touched by its loop thread only, read after it stopped. */
    static final class Client {
        final int user;
        final String token;
        final InetSocketAddress source;
        final Loop loop;

        @Nullable
        SocketChannel channel;

        @Nullable
        SseStreamDecoder decoder;

        @Nullable
        ByteBuffer request;

        volatile int status;
        boolean onFailover;
        long lostAt;
        long reconnectedAt;
        long lastMissedReceivedAt;
        int attempts;

        @Nullable
        String lastId;

        int[] received = new int[16];
        int receivedCount;
        /** On B from the start: not one of the killed instance's clients. */
        final boolean survivor;
        /** Times it closed and resumed on purpose before the kill. */
        int resumes;

        Client(int user, String token, InetSocketAddress source, Loop loop, boolean survivor) {
            this.user = user;
            this.token = token;
            this.source = source;
            this.loop = loop;
            this.survivor = survivor;
        }

        void received(long seq) {
            if (receivedCount == received.length) {
                received = Arrays.copyOf(received, received.length * 2);
            }
            received[receivedCount++] = (int) seq;
        }
    }

    /** A selector thread: connects, writes requests, reads and decodes; on a lost stream, reconnects to B. */
    static final class Loop implements Runnable {
        private final Selector selector;
        private final Queue<Client> pending = new ConcurrentLinkedQueue<>();
        private final ByteBuffer buffer = ByteBuffer.allocate(128 * 1024);
        private final long runId;
        private final InetSocketAddress failover;
        private final URI failoverUri;
        /** Reconnects asked for from any thread; the loop moves them into {@link #due}. */
        private final Queue<Retry> retries = new ConcurrentLinkedQueue<>();
        /** Streams to close and resume at once with their last id (loop thread takes them). */
        private final Queue<Client> resumes = new ConcurrentLinkedQueue<>();
        /** Reconnects by due time (loop thread only). */
        private final PriorityQueue<Retry> due = new PriorityQueue<>(Comparator.comparingLong(Retry::due));

        volatile long killNanos;
        volatile long deliveries;
        private volatile boolean running = true;
        private long now;

        private final int spreadMillis;
        private final boolean honorRetry;

        Loop(long runId, InetSocketAddress failover, URI failoverUri, int spreadMillis, boolean honorRetry)
                throws IOException {
            this.spreadMillis = spreadMillis;
            this.honorRetry = honorRetry;
            this.selector = Selector.open();
            this.runId = runId;
            this.failover = failover;
            this.failoverUri = failoverUri;
        }

        void connect(Client client, InetSocketAddress target, URI uri, @Nullable String lastEventId) {
            try {
                SocketChannel channel = SocketChannel.open();
                channel.bind(client.source);
                channel.configureBlocking(false);
                client.channel = channel;
                client.request = request(uri, client.token, lastEventId);
                client.decoder = new SseStreamDecoder(listener(client));
                channel.connect(target);
                pending.add(client);
                selector.wakeup();
            } catch (IOException e) {
                retryLater(client);
            }
        }

        private SseStreamDecoder.Listener listener(Client client) {
            return new SseStreamDecoder.Listener() {
                @Override
                public void onStatus(int status) {
                    client.status = status;
                    if (status == 200 && client.onFailover) {
                        client.reconnectedAt = now;
                    } else if (status != 200) {
                        closeAndRetry(client);
                    }
                }

                @Override
                public void onEvent(@Nullable String lastEventId, long[] marker) {
                    deliveries++;
                    if (marker[0] != runId) {
                        return;
                    }
                    client.received(marker[3]);
                    if (client.onFailover && marker[4] < client.reconnectedAt) {
                        client.lastMissedReceivedAt = now;
                    }
                }
            };
        }

        /** Closes the client's stream and reconnects it to B with its last id, on the loop thread. */
        void resume(Client client) {
            resumes.add(client);
            selector.wakeup();
        }

        void stop() {
            running = false;
            selector.wakeup();
        }

        @Override
        public void run() {
            try {
                while (running) {
                    selector.select(50);
                    now = System.nanoTime();
                    Client client;
                    while ((client = pending.poll()) != null) {
                        Objects.requireNonNull(client.channel, "queued before connect() opened it")
                                .register(selector, SelectionKey.OP_CONNECT, client);
                    }
                    runDueRetries();
                    for (Client resuming = resumes.poll(); resuming != null; resuming = resumes.poll()) {
                        resumeNow(resuming);
                    }
                    Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                    while (keys.hasNext()) {
                        SelectionKey key = keys.next();
                        keys.remove();
                        handle(key);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                for (SelectionKey key : selector.keys()) {
                    try {
                        key.channel().close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
            }
        }

        private void handle(SelectionKey key) {
            Client client = (Client) key.attachment();
            SocketChannel channel = (SocketChannel) key.channel();
            try {
                if (key.isValid() && key.isConnectable()) {
                    channel.finishConnect();
                    key.interestOps(SelectionKey.OP_WRITE);
                }
                if (key.isValid() && key.isWritable()) {
                    ByteBuffer request = Objects.requireNonNull(client.request, "registered before connect() built it");
                    channel.write(request);
                    if (!request.hasRemaining()) {
                        key.interestOps(SelectionKey.OP_READ);
                    }
                }
                if (key.isValid() && key.isReadable()) {
                    while (true) {
                        buffer.clear();
                        int n = channel.read(buffer);
                        if (n < 0) {
                            throw new IOException("closed by server");
                        }
                        if (n == 0) {
                            break;
                        }
                        now = System.nanoTime();
                        Objects.requireNonNull(client.decoder, "registered before connect() gave it a decoder")
                                .feed(buffer.array(), 0, n);
                    }
                }
            } catch (IOException e) {
                key.cancel();
                closeAndRetry(client);
            }
        }

        /** A lost stream (or a refused attempt) goes to B with its last id, at once the first time. */
        private void closeAndRetry(Client client) {
            try {
                if (client.channel != null) {
                    client.channel.close();
                }
            } catch (IOException ignored) {
                // closing anyway
            }
            if (!running) {
                return;
            }
            long retryHint = -1;
            if (client.decoder != null) {
                retryHint = client.decoder.retryMillis();
                if (client.decoder.lastEventId() != null) {
                    client.lastId = client.decoder.lastEventId();
                }
            }
            boolean firstLoss = !client.onFailover;
            if (firstLoss) {
                client.lostAt = System.nanoTime();
            }
            client.onFailover = true;
            client.status = 0;
            if (firstLoss && honorRetry) { // EventSource waits its reconnection time (a browser's default: 3 s)
                retries.add(new Retry(System.nanoTime() + (retryHint >= 0 ? retryHint : 3_000) * 1_000_000L, client));
            } else if (firstLoss && spreadMillis > 0) { // a random delay, each client a little different
                retries.add(new Retry(
                        System.nanoTime()
                                + java.util.concurrent.ThreadLocalRandom.current()
                                        .nextLong(spreadMillis * 1_000_000L),
                        client));
            } else if (firstLoss) {
                connect(client, failover, failoverUri, client.lastId);
            } else {
                retryLater(client);
            }
        }

        private void resumeNow(Client client) {
            if (client.status != 200 || client.channel == null || client.decoder == null) {
                return; // not open now: it will reconnect anyway
            }
            try {
                client.channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            client.resumes++;
            client.status = 0;
            String lastId = client.decoder.lastEventId();
            connect(client, failover, failoverUri, lastId != null ? lastId : client.lastId);
        }

        private void retryLater(Client client) {
            client.attempts++;
            retries.add(new Retry(System.nanoTime() + 200_000_000L, client));
        }

        private void runDueRetries() {
            for (Retry retry = retries.poll(); retry != null; retry = retries.poll()) {
                due.add(retry);
            }
            while (!due.isEmpty() && due.peek().due() <= now) {
                Retry retry = due.poll();
                connect(retry.client(), failover, failoverUri, retry.client().lastId);
            }
        }

        private record Retry(long due, Client client) {}
    }
}
