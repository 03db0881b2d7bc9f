package dev.herald.notes.outbox;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The doorbell between committing writers and this instance's relay: a commit rings it, the relay
 * waits on it with a timeout (the poll that picks up other instances' writes). Rings coalesce.
 */
public final class RelayWakeUp {

    private final Semaphore bell = new Semaphore(0);

    public void signal() {
        if (bell.availablePermits() == 0) {
            bell.release();
        }
    }

    /** Waits until rung or until {@code timeout} passes, then clears pending rings. */
    void await(Duration timeout) throws InterruptedException {
        bell.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS);
        bell.drainPermits();
    }
}
