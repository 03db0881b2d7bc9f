package dev.herald.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The configuration metadata Spring Boot's configuration processor writes for a service at compile time
 * ({@code <module>/target/classes/META-INF/spring-configuration-metadata.json}): every property of its
 * {@code @ConfigurationProperties} records, with its type and its {@code @DefaultValue}. The one source of the
 * defaults the docs restate.
 */
record ConfigurationMetadata(String module, Map<String, Property> properties) {

    static final List<String> SERVICES = List.of("notes-service", "sse-gateway");

    /**
     * One property; {@code defaultValue} as the processor wrote it (a number, a boolean, a string such as
     * {@code 10s}), empty when the record gives none.
     */
    record Property(String name, String type, Optional<String> defaultValue) {

        /** A value in the form Spring Boot binds it, so {@code 10s} equals {@code PT10S} and {@code 8MB} equals 8388608. */
        Object normalise(String value) {
            String v = value.trim();
            if (type.equals("java.time.Duration")) {
                return duration(v);
            }
            if (type.equals("org.springframework.util.unit.DataSize")) {
                return dataSize(v);
            }
            if (type.startsWith("java.util.List") || type.startsWith("java.util.Set") || type.endsWith("[]")) {
                String items = v.startsWith("[") && v.endsWith("]") ? v.substring(1, v.length() - 1) : v;
                return items.isBlank()
                        ? List.of()
                        : List.of(items.split("\\s*,\\s*")).stream()
                                .map(String::trim)
                                .toList();
            }
            if (v.matches("-?\\d+(\\.\\d+)?")) {
                return new BigDecimal(v).stripTrailingZeros();
            }
            return v;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SIMPLE_DURATION = Pattern.compile("(-?\\d+)(ns|us|ms|s|m|h|d)?");
    private static final Pattern DATA_SIZE = Pattern.compile("(\\d+)(B|KB|MB|GB|TB)?");

    /** The metadata of one service module; fails with what to build when the file is not there. */
    static ConfigurationMetadata of(String module) {
        Path file =
                Kustomize.ROOT.resolve(module).resolve("target/classes/META-INF/spring-configuration-metadata.json");
        if (!Files.isRegularFile(file)) {
            fail(file + " is missing: the configuration processor writes it when " + module + " compiles (./mvnw -pl "
                    + module + " -am compile)");
        }
        try {
            Map<String, Property> properties = new LinkedHashMap<>();
            for (JsonNode property : JSON.readTree(file.toFile()).path("properties")) {
                JsonNode defaultValue = property.path("defaultValue");
                Optional<String> text;
                if (defaultValue.isMissingNode() || defaultValue.isNull()) {
                    text = Optional.empty();
                } else if (defaultValue.isArray()) {
                    List<String> items = new ArrayList<>();
                    defaultValue.forEach(item -> items.add(item.asText()));
                    text = Optional.of(String.join(",", items));
                } else {
                    text = Optional.of(defaultValue.asText());
                }
                String name = property.path("name").asText();
                properties.put(name, new Property(name, property.path("type").asText(), text));
            }
            return new ConfigurationMetadata(module, properties);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }

    /** The default of a property the module declares; fails when it declares none. */
    String defaultOf(String name) {
        Property property = properties.get(name);
        if (property == null || property.defaultValue().isEmpty()) {
            fail(module + " declares no default for " + name);
        }
        return property.defaultValue().orElseThrow();
    }

    /** Spring Boot's duration forms: ISO-8601 ({@code PT10S}) or a number with a unit (milliseconds without). */
    static Duration duration(String value) {
        if (value.toUpperCase(Locale.ROOT).startsWith("P")
                || value.toUpperCase(Locale.ROOT).startsWith("-P")) {
            return Duration.parse(value);
        }
        Matcher m = SIMPLE_DURATION.matcher(value.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration: " + value);
        }
        long amount = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        return switch (unit) {
            case "ns" -> Duration.ofNanos(amount);
            case "us" -> Duration.ofNanos(amount * 1000);
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
    }

    /** Spring's {@code DataSize}: binary multiples, bytes without a unit. */
    static long dataSize(String value) {
        Matcher m = DATA_SIZE.matcher(value.toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a data size: " + value);
        }
        int shift = switch (m.group(2) == null ? "B" : m.group(2)) {
            case "KB" -> 10;
            case "MB" -> 20;
            case "GB" -> 30;
            case "TB" -> 40;
            default -> 0;
        };
        return Long.parseLong(m.group(1)) << shift;
    }
}
