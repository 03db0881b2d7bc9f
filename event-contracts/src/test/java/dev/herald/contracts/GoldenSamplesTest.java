package dev.herald.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Holds the JSON Schema (the contract for non-Java consumers) and the Java codec together against
 * recorded samples: valid ones pass both; invalid ones fail both, and the codec names the field
 * given in the file name ({@code <case>.<field>.json}).
 */
class GoldenSamplesTest {

    private static final JsonSchema SCHEMA = loadSchema();
    private static final com.fasterxml.jackson.databind.ObjectMapper SCHEMA_READER =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private final ServiceEventCodec codec = new ServiceEventCodec();

    static Stream<Path> validSamples() {
        return samples("valid");
    }

    static Stream<Path> invalidSamples() {
        return samples("invalid");
    }

    @ParameterizedTest
    @MethodSource("validSamples")
    void validSampleMatchesSchemaAndDecodes(Path sample) throws IOException {
        String json = Files.readString(sample).strip();

        assertThat(schemaErrors(json)).isEmpty();
        ServiceEvent event = codec.decode(json);
        assertThat(event.resourceId()).isEqualTo(event.data().id().toString());
        assertThat(codec.decode(codec.encode(event))).isEqualTo(event);
    }

    @ParameterizedTest
    @MethodSource("invalidSamples")
    void invalidSampleIsRejectedBySchemaAndCodecNamingTheField(Path sample) throws IOException {
        String json = Files.readString(sample).strip();
        String name = sample.getFileName().toString();
        String expectedField = name.substring(name.indexOf('.') + 1, name.length() - ".json".length());

        assertThat(schemaErrors(json)).as("schema errors for %s", name).isNotEmpty();
        assertThatThrownBy(() -> codec.decode(json)).isInstanceOfSatisfying(InvalidEventException.class, e -> {
            assertThat(e.field()).isEqualTo(expectedField);
            assertThat(e.getMessage()).startsWith(expectedField + ": ");
        });
    }

    @ParameterizedTest
    @MethodSource("validSamples")
    void eventsWrittenByTheCodecMatchTheSchema(Path sample) throws IOException {
        ServiceEvent event = codec.decode(Files.readString(sample));

        assertThat(schemaErrors(codec.encodeToString(event))).isEmpty();
    }

    private static Set<ValidationMessage> schemaErrors(String json) throws IOException {
        return SCHEMA.validate(SCHEMA_READER.readTree(json));
    }

    private static JsonSchema loadSchema() {
        SchemaValidatorsConfig config =
                SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        try (InputStream in = ServiceEvent.class.getResourceAsStream("service-event.schema.json")) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(in, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Stream<Path> samples(String kind) {
        try {
            Path dir = Path.of(
                    GoldenSamplesTest.class.getResource("/samples/" + kind).toURI());
            try (Stream<Path> files = Files.list(dir)) {
                List<Path> list = files.filter(p -> p.toString().endsWith(".json"))
                        .sorted()
                        .toList();
                assertThat(list).as("samples in %s", dir).isNotEmpty();
                return list.stream();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
