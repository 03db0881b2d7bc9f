-- The W3C trace context of the write that produced each event (traceparent, and tracestate when it has one),
-- captured in the writing transaction because the relay publishes later on its own thread. It travels with the
-- record as the CloudEvents distributed-tracing extension headers ce_traceparent / ce_tracestate, and with a
-- dead-lettered row so a re-inserted row keeps its trace. Null when the write was not traced.
alter table outbox add column traceparent text, add column tracestate text;
alter table outbox_dead_letter add column traceparent text, add column tracestate text;
