package dev.herald.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for servers a test starts on a port it must know beforehand (a broker that restarts where its clients expect
 * it). Not an ephemeral port from {@code new ServerSocket(0)}: the kernel hands those out as the local ends of
 * outgoing connections too, so by the time the server binds it, some client connection of this busy JVM (Kafka
 * clients, HTTP clients) may hold it. These come from below the ephemeral range (32768 and up), are not handed out
 * twice in one JVM, and nothing listens on them when they are picked. Another process may still bind one before
 * the server does: callers that can start again on new ports do so when the bind fails.
 */
public final class FreePorts {

    private static final int LOWEST = 20_000;
    private static final int HIGHEST = 32_000;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {}

    /** A port nothing listens on now, below the ephemeral range, not handed out before in this JVM. */
    public static int take() {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, HIGHEST);
            if (HANDED_OUT.add(port) && bindable(port)) {
                return port;
            }
        }
        throw new UncheckedIOException(
                new IOException("no free port between " + LOWEST + " and " + HIGHEST + " after 200 tries"));
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
