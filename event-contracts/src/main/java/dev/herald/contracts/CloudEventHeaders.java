package dev.herald.contracts;

/**
 * Kafka header names of the CloudEvents Kafka protocol binding, binary content mode, so a consumer can
 * route a record without parsing its value.
 */
public final class CloudEventHeaders {

    public static final String ID = "ce_id";
    /** {@code notes.created}, {@code notes.updated}, {@code notes.deleted}. */
    public static final String TYPE = "ce_type";

    public static final String SOURCE = "ce_source";
    public static final String SPEC_VERSION = "ce_specversion";
    public static final String TIME = "ce_time";
    /** The note id. */
    public static final String SUBJECT = "ce_subject";

    public static final String CONTENT_TYPE = "content-type";
    /**
     * Herald's extension attribute: the user id that owns the resource ({@link ServiceEvent#owner()}), so
     * a consumer can apply the read rule without parsing the value.
     */
    public static final String OWNER = "ce_owner";
    /**
     * CloudEvents distributed-tracing extension: the W3C Trace Context {@code traceparent} of the write that
     * produced the event (version-traceid-parentid-flags), so a consumer continues that trace. Absent when the
     * write was not traced.
     */
    public static final String TRACEPARENT = "ce_traceparent";
    /** CloudEvents distributed-tracing extension: the W3C {@code tracestate} beside it; only when non-empty. */
    public static final String TRACESTATE = "ce_tracestate";

    public static final String SPEC_VERSION_1_0 = "1.0";
    public static final String JSON = "application/json";

    private CloudEventHeaders() {}
}
