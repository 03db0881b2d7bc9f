package dev.herald.notes.outbox;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;
import org.jspecify.annotations.Nullable;

/**
 * The W3C trace context of a write, as its outbox row keeps it: {@code traceparent} and {@code tracestate} (null
 * when empty). Read from the writing thread's current context (the HTTP server span, when the request is traced):
 * the relay publishes later on its own thread, where that context is gone.
 *
 * <p>W3C Trace Context whatever {@code management.tracing.propagation.*} says for HTTP: the CloudEvents
 * distributed-tracing extension is defined on it. An unsampled context travels too (flags {@code 00}), so the
 * consumer follows the writer's decision.
 */
record WriteTrace(@Nullable String traceparent, @Nullable String tracestate) {

    static final WriteTrace NONE = new WriteTrace(null, null);

    private static final String TRACEPARENT = "traceparent";
    private static final String TRACESTATE = "tracestate";
    private static final TextMapSetter<String[]> SETTER = (carrier, key, value) -> {
        if (carrier != null && TRACEPARENT.equals(key)) {
            carrier[0] = value;
        } else if (carrier != null && TRACESTATE.equals(key) && !value.isEmpty()) {
            carrier[1] = value;
        }
    };

    /** The calling thread's current trace context; {@link #NONE} when there is no valid span. */
    static WriteTrace current() {
        String[] carrier = new String[2];
        // injects nothing when the current span context is invalid (no span, tracing off)
        W3CTraceContextPropagator.getInstance().inject(Context.current(), carrier, SETTER);
        return carrier[0] == null ? NONE : new WriteTrace(carrier[0], carrier[1]);
    }
}
