/**
 * Benchmark program for the SSE gateway: many SSE streams over loopback source addresses, events
 * produced at a fixed rate (open model), delivery latency measured from each event's intended send time.
 */
@NullMarked
package dev.herald.loadgen;

import org.jspecify.annotations.NullMarked;
