package dev.herald.loadgen;

/**
 * A fixed-rate send schedule (open model): event {@code n} is due at {@code start + n / rate}, whatever
 * happened to the events before it, so a stalled system shows up as latency instead of a slower load.
 */
record Schedule(long startNanos, double eventsPerSecond) {

    Schedule {
        if (!(eventsPerSecond > 0)) {
            throw new IllegalArgumentException("rate must be positive: " + eventsPerSecond);
        }
    }

    /** The intended send time of event {@code n} (0-based) on {@link System#nanoTime()}. */
    long intendedNanos(long n) {
        return startNanos + Math.round(n * 1_000_000_000d / eventsPerSecond);
    }

    /** How many events are due at {@code nowNanos}: events {@code 0 .. result-1}. */
    long dueCount(long nowNanos) {
        if (nowNanos < startNanos) {
            return 0;
        }
        long n = (long) Math.floor((nowNanos - startNanos) * eventsPerSecond / 1_000_000_000d) + 1;
        // Guard the float rounding at the boundaries against intendedNanos.
        while (n > 0 && intendedNanos(n - 1) > nowNanos) {
            n--;
        }
        while (intendedNanos(n) <= nowNanos) {
            n++;
        }
        return n;
    }
}
