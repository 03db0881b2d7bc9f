package dev.herald.notes.note;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code herald.notes.*}. (The configuration processor takes each {@code @param} as the property's description and
 * finds a name by its prefix: {@code maxPage} stays above {@code maxPageSize}.)
 *
 * @param maxRequestSize a request body above this is refused with 413
 * @param maxPage        the largest {@code page} a list request may ask for (deep offsets scan)
 * @param maxPageSize    the largest {@code size} a list request may ask for
 * @param cors           browser origins (the gateways' dashboards) allowed to call the API
 * @param writeRate      each user's write rate
 */
@ConfigurationProperties("herald.notes")
public record NotesProperties(
        @DefaultValue("256KB") DataSize maxRequestSize,
        @DefaultValue("100") int maxPageSize,
        @DefaultValue("1000") int maxPage,
        @DefaultValue Cors cors,
        @DefaultValue WriteRate writeRate) {

    /**
     * @param enabled   whether writes are metered at all
     * @param perSecond sustained writes per second per user
     * @param burst     writes a user may make at once after a pause
     * @param maxUsers  users whose buckets are kept in memory (least recently seen go first)
     */
    public record WriteRate(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("50") int perSecond,
            @DefaultValue("200") int burst,
            @DefaultValue("100000") int maxUsers) {

        public WriteRate {
            if (perSecond < 1 || burst < 1 || maxUsers < 1) {
                throw new IllegalArgumentException("herald.notes.write-rate.* must be positive");
            }
        }
    }

    /**
     * @param allowedOrigins origins of pages (the gateways' dashboards) that may call the API from a browser
     */
    public record Cors(
            @DefaultValue({"http://localhost:8081", "http://localhost:8082"})
            List<String> allowedOrigins) {}
}
