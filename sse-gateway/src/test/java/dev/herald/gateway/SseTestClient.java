package dev.herald.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A plain-socket HTTP/1.1 client for SSE streams in tests: full control of the socket (a client that
 * stops reading, a small receive buffer), the raw bytes of the stream, and its parsed events. The
 * independent-parser test uses okhttp-eventsource instead.
 */
public final class SseTestClient implements AutoCloseable {

    /**
     * One dispatched SSE event; {@code name} is "message" when the frame had no {@code event:} line. {@code id}
     * is the last event id at dispatch, as a browser holds it (an earlier frame's when this one has none);
     * {@code ownId} is this frame's own {@code id:} field, null when it had none.
     */
    public record Event(
            @Nullable String id,
            String name,
            String data,
            long receivedNanos,
            @Nullable String ownId) {}

    /** The end of a response as seen by a client that was reading it. */
    public static final String CLEAN_END = "the server ended the response (last chunk)";
    /** The end of a response whose connection the server closed before its last chunk. */
    public static final String CONNECTION_CLOSED = new IOException("connection closed").toString();

    private final Socket socket;
    private final InputStream in;
    private final int status;
    private final Map<String, String> headers;
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final StringBuffer raw = new StringBuffer();
    private final AtomicInteger heartbeats = new AtomicInteger();
    private volatile boolean ended;
    private final java.util.concurrent.CountDownLatch end = new java.util.concurrent.CountDownLatch(1);
    private volatile @Nullable String lastId;
    private volatile long endedNanos;
    private volatile @Nullable String body;
    private volatile @Nullable String endCause;

    private SseTestClient(Socket socket, InputStream in, int status, Map<String, String> headers) {
        this.socket = socket;
        this.in = in;
        this.status = status;
        this.headers = headers;
    }

    /** GET {@code path} with the given request headers; reads the status and headers, then the body in the background. */
    public static SseTestClient get(int port, String path, Map<String, String> requestHeaders) {
        return open(port, "GET", path, requestHeaders, 0, true);
    }

    /** Like {@link #get}, but never reads the body: a client that stopped reading, with a small receive buffer. */
    public static SseTestClient getWithoutReading(int port, String path, Map<String, String> requestHeaders) {
        return open(port, "GET", path, requestHeaders, 4096, false);
    }

    public static SseTestClient request(int port, String method, String path, Map<String, String> requestHeaders) {
        return open(port, method, path, requestHeaders, 0, true);
    }

    public static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    private static SseTestClient open(
            int port, String method, String path, Map<String, String> requestHeaders, int receiveBuffer, boolean read) {
        try {
            return openOrFail(port, method, path, requestHeaders, receiveBuffer, read);
        } catch (IOException e) {
            throw new IllegalStateException("could not connect: " + e, e);
        }
    }

    /** Like {@link #get}, but an instance that is gone is an {@link IOException} the caller may retry on. */
    public static SseTestClient tryGet(int port, String path, Map<String, String> requestHeaders) throws IOException {
        return openOrFail(port, "GET", path, requestHeaders, 0, true);
    }

    private static SseTestClient openOrFail(
            int port, String method, String path, Map<String, String> requestHeaders, int receiveBuffer, boolean read)
            throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(30_000);
        String accept = path.startsWith("/events") ? "text/event-stream" : "*/*";
        StringBuilder request = new StringBuilder(
                method + " " + path + " HTTP/1.1\r\nHost: localhost:" + port + "\r\nAccept: " + accept + "\r\n");
        requestHeaders.forEach(
                (name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        if (!method.equals("GET")) {
            request.append("Content-Length: 0\r\n");
        }
        request.append("\r\n");
        OutputStream out = socket.getOutputStream();
        out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
        out.flush();
        if (!read) {
            return new SseTestClient(socket, socket.getInputStream(), -1, Map.of());
        }
        InputStream in = socket.getInputStream();
        String statusLine = readLine(in);
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            headers.merge(name, value, (a, b) -> a + "\n" + b);
        }
        SseTestClient client = new SseTestClient(socket, in, status, headers);
        Thread.ofVirtual().name("sse-test-client").start(client::readBody);
        return client;
    }

    private void readBody() {
        try {
            boolean chunked = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"));
            SseParser parser = new SseParser();
            if (chunked) {
                for (; ; ) {
                    String sizeLine = readLine(in);
                    int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
                    if (size == 0) {
                        endCause = CLEAN_END;
                        break;
                    }
                    byte[] chunk = in.readNBytes(size);
                    readLine(in);
                    String text = new String(chunk, StandardCharsets.UTF_8);
                    raw.append(text);
                    parser.feed(text);
                }
            } else if (headers.containsKey("content-length")) {
                body = new String(
                        in.readNBytes(Integer.parseInt(headers.get("content-length"))), StandardCharsets.UTF_8);
            } else {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (chunked && status != 200) {
                body = raw.toString();
            }
        } catch (IOException | RuntimeException e) {
            endCause = e.toString(); // the connection closed or reset, a read timed out, or the stream did not parse
        } finally {
            if (endCause == null) {
                endCause = CLEAN_END;
            }
            endedNanos = System.nanoTime();
            ended = true;
            end.countDown();
        }
    }

    /** Parses the event stream as the WHATWG algorithm does (fields, comments, blank-line dispatch). */
    private final class SseParser {
        private final StringBuilder pending = new StringBuilder();
        private @Nullable String id;
        private @Nullable String ownId;
        private @Nullable String name;
        private final List<String> data = new ArrayList<>();

        void feed(String text) {
            pending.append(text);
            int start = 0;
            int newline;
            while ((newline = pending.indexOf("\n", start)) >= 0) {
                String line = pending.substring(start, newline);
                start = newline + 1;
                line(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
            }
            pending.delete(0, start);
        }

        private void line(String line) {
            if (line.isEmpty()) {
                if (id != null) {
                    lastId = id; // set at dispatch, also by a frame with no data (a checkpoint)
                }
                if (!data.isEmpty() || name != null) {
                    events.add(new Event(
                            id, name == null ? "message" : name, String.join("\n", data), System.nanoTime(), ownId));
                }
                ownId = null;
                name = null;
                data.clear();
                return;
            }
            if (line.startsWith(":")) {
                if (line.equals(": heartbeat")) {
                    heartbeats.incrementAndGet();
                }
                return;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "id" -> {
                    id = value;
                    ownId = value;
                }
                case "event" -> name = value;
                case "data" -> data.add(value);
                default -> {}
            }
        }
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

    public int status() {
        return status;
    }

    public @Nullable String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    public List<Event> events() {
        return List.copyOf(events);
    }

    /** Events whose data contains {@code text} (an event id, say). */
    public List<Event> eventsContaining(String text) {
        return events.stream().filter(event -> event.data().contains(text)).toList();
    }

    public String raw() {
        return raw.toString();
    }

    public @Nullable String body() {
        return body;
    }

    /** The stream's last event id as a browser's EventSource holds it (checkpoints included). */
    public @Nullable String lastId() {
        return lastId;
    }

    /** When the response ended ({@link System#nanoTime()}); 0 while it runs. */
    public long endedNanos() {
        return endedNanos;
    }

    /** Events named {@code name}. */
    public List<Event> named(String name) {
        return events.stream().filter(event -> event.name().equals(name)).toList();
    }

    /** Waits until the server ended the response (or the connection); false after {@code timeout}. */
    public boolean awaitEnd(java.time.Duration timeout) throws InterruptedException {
        return end.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    public int heartbeats() {
        return heartbeats.get();
    }

    /**
     * Why the response ended: {@link #CLEAN_END} when the server ended it, else what ended the reading (a
     * closed or reset connection, a read timeout, a parse error); null while it runs.
     */
    public @Nullable String endCause() {
        return endCause;
    }

    /** Whether the server ended the response (or the connection). */
    public boolean ended() {
        return ended;
    }

    /**
     * For a client that stopped reading: reads what the server sent until the connection ends; true when
     * the server closed it (end of stream or reset) within {@code timeout}.
     */
    public boolean readUntilClosedByServer(java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] sink = new byte[64 * 1024];
        try {
            socket.setSoTimeout(200);
            while (System.nanoTime() < deadline) {
                try {
                    if (in.read(sink) < 0) {
                        return true;
                    }
                } catch (java.net.SocketTimeoutException stillOpen) {
                    // nothing yet: the server has not closed it
                }
            }
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
