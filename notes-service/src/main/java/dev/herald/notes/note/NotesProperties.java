package dev.herald.notes.note;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code herald.notes.*}.
 *
 * @param maxRequestSize a request body above this is refused with 413
 * @param maxPageSize    the largest {@code size} a list request may ask for
 * @param cors           browser origins (the gateways' dashboards) allowed to call the API
 */
@ConfigurationProperties("herald.notes")
public record NotesProperties(
        @DefaultValue("256KB") DataSize maxRequestSize,
        @DefaultValue("100") int maxPageSize,
        @DefaultValue Cors cors) {

    public record Cors(@DefaultValue({"http://localhost:8081", "http://localhost:8082"}) List<String> allowedOrigins) {
    }
}
