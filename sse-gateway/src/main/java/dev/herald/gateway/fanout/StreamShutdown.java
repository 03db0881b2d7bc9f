package dev.herald.gateway.fanout;

import dev.herald.gateway.GatewayProperties;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Herald's own drain (Boot's graceful shutdown overflowed the stack with ~10k open streams when tried).
 * First to stop: the instance refuses new streams (503 with Retry-After), then ends its streams as
 * {@link DisconnectReason#DRAINING}, each at a random moment of {@code herald.gateway.drain.window}, so
 * their clients reconnect to other instances spread out (with their last id) instead of all at once.
 * It returns once every stream has ended (or the window and a grace period passed); then the web
 * server and the consumer stop.
 */
@Component
class StreamShutdown implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(StreamShutdown.class);
    private static final Duration GRACE = Duration.ofSeconds(2);

    private final Hub hub;
    private final Duration window;
    private volatile boolean running;

    StreamShutdown(Hub hub, GatewayProperties properties) {
        this.hub = hub;
        this.window = properties.drain().window();
    }

    @Override
    public void start() {
        hub.accept();
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        int open = hub.connections();
        if (open > 0) {
            log.info("Draining {} stream(s) over {}", open, window);
        }
        hub.drain(window);
        long deadline = System.nanoTime() + window.plus(GRACE).toNanos();
        while (hub.connections() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (open > 0) {
            log.info("Drained; {} stream(s) left", hub.connections());
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops first: before the web server and the consumer. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE;
    }
}
