package dev.herald.contracts;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ext.javatime.deser.InstantDeserializer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;

/**
 * Writes a {@link ServiceEvent} as compact single-line JSON and reads it back. Reading rejects anything
 * that is not a valid event with an {@link InvalidEventException} naming the field. Unknown fields are
 * ignored (adding optional fields is a compatible change); an unknown {@code schemaVersion} is rejected.
 * Thread-safe: one instance serves a whole application.
 */
public final class ServiceEventCodec {

    private final JsonMapper mapper = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .addModule(new SimpleModule("herald-utc-timestamps").addDeserializer(Instant.class, new UtcInstants()))
            .build();

    /** UTF-8 JSON on one line: string values escape CR and LF, so the result never contains either. */
    public byte[] encode(ServiceEvent event) {
        validate(event);
        return mapper.writeValueAsBytes(event);
    }

    public String encodeToString(ServiceEvent event) {
        return new String(encode(event), StandardCharsets.UTF_8);
    }

    public ServiceEvent decode(byte[] json) {
        if (json == null || json.length == 0) {
            throw new InvalidEventException("", "empty record");
        }
        ServiceEvent event;
        try {
            event = mapper.readValue(json, ServiceEvent.class);
        } catch (JacksonException e) {
            throw new InvalidEventException(path(e), e.getOriginalMessage(), e);
        }
        if (event == null) {
            throw new InvalidEventException("", "null is not an event");
        }
        validate(event);
        return event;
    }

    public ServiceEvent decode(String json) {
        return decode(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String path(JacksonException e) {
        return e.getPath().stream()
                .map(ref -> ref.getPropertyName() != null ? ref.getPropertyName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."));
    }

    /** Checks what Jackson cannot: required objects, single-line identifiers, consistent ids. */
    @SuppressWarnings("ConstantValue") // records built by Jackson may hold nulls despite @NullMarked
    static void validate(ServiceEvent event) {
        require(event.id() != null, "id", "is required");
        require(event.action() != null, "action", "is required");
        require(event.timestamp() != null, "timestamp", "is required");
        requireLine(event.resourceType(), "resourceType");
        requireLine(event.resourceId(), "resourceId");
        require(
                event.schemaVersion() == ServiceEvent.SCHEMA_VERSION,
                "schemaVersion",
                "unsupported version " + event.schemaVersion() + " (this reader knows " + ServiceEvent.SCHEMA_VERSION
                        + ")");
        if (event.user() != null) {
            requireLine(event.user().id(), "user.id");
        }
        NoteData data = event.data();
        require(data != null, "data", "is required");
        require(data.id() != null, "data.id", "is required");
        require(data.title() != null, "data.title", "is required");
        require(data.content() != null, "data.content", "is required");
        requireLine(data.createdBy(), "data.createdBy");
        require(data.version() >= 0, "data.version", "must not be negative");
        require(data.createdAt() != null, "data.createdAt", "is required");
        require(data.updatedAt() != null, "data.updatedAt", "is required");
        require(event.resourceId().equals(data.id().toString()), "resourceId", "must equal data.id");
    }

    private static void requireLine(String value, String field) {
        require(value != null && !value.isEmpty(), field, "is required and must not be empty");
        require(value.indexOf('\n') < 0 && value.indexOf('\r') < 0, field, "must not contain CR or LF");
    }

    private static void require(boolean condition, String field, String problem) {
        if (!condition) {
            throw new InvalidEventException(field, problem);
        }
    }

    /**
     * Reads the timestamps in the form the contract writes them ({@link UtcTimestamps}); any other form goes
     * to Jackson's own reader, which accepts and rejects exactly what it did before.
     */
    private static final class UtcInstants extends ValueDeserializer<Instant> {

        @Override
        public Instant deserialize(JsonParser parser, DeserializationContext context) {
            if (parser.hasToken(JsonToken.VALUE_STRING)) {
                Instant read = UtcTimestamps.parse(
                        parser.getStringCharacters(), parser.getStringOffset(), parser.getStringLength());
                if (read != null) {
                    return read;
                }
            }
            return InstantDeserializer.INSTANT.deserialize(parser, context);
        }
    }
}
