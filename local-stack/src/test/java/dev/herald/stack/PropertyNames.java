package dev.herald.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The properties a service can be configured with, from configuration metadata: the service's own
 * ({@code <module>/target/classes/META-INF/spring-configuration-metadata.json}, written by the configuration
 * processor from its {@code @ConfigurationProperties} records) and Spring Boot's (the same file in each Boot module
 * on the test classpath). {@link #bind} maps an environment variable to the property it sets the way Spring Boot's
 * system environment property source does.
 */
final class PropertyNames {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String METADATA = "META-INF/spring-configuration-metadata.json";

    /** Property name to its type. */
    private final Map<String, String> types;

    private PropertyNames(Map<String, String> types) {
        this.types = types;
    }

    /** The service's own properties and Spring Boot's; fails with what to build when the service's file is missing. */
    static PropertyNames of(Path root, String module) throws IOException {
        Map<String, String> types = new LinkedHashMap<>();
        Path own = root.resolve(module).resolve("target/classes").resolve(METADATA);
        if (!Files.isRegularFile(own)) {
            throw new IllegalStateException(own + " is missing: the configuration processor writes it when " + module
                    + " compiles (./mvnw -pl " + module + " -am compile)");
        }
        try (InputStream in = Files.newInputStream(own)) {
            read(in, types);
        }
        int bootModules = 0;
        for (URL url : Collections.list(PropertyNames.class.getClassLoader().getResources(METADATA))) {
            try (InputStream in = url.openStream()) {
                read(in, types);
            }
            bootModules++;
        }
        if (bootModules == 0) {
            throw new IllegalStateException("no Spring Boot configuration metadata on the test classpath");
        }
        return new PropertyNames(types);
    }

    private static void read(InputStream in, Map<String, String> types) throws IOException {
        for (JsonNode property : JSON.readTree(in).path("properties")) {
            types.put(property.path("name").asText(), property.path("type").asText());
        }
    }

    /**
     * The property an environment variable sets, if any. A property {@code herald.gateway.max-connections} is set by
     * {@code HERALD_GATEWAY_MAXCONNECTIONS} and by {@code HERALD_GATEWAY_MAX_CONNECTIONS}: dots become underscores,
     * dashes are dropped or become underscores. Below a map property
     * ({@code management.endpoint.health.group}) any further words are the key and the value's own properties,
     * which the metadata does not list.
     */
    Optional<String> bind(String variable) {
        for (Map.Entry<String, String> property : types.entrySet()) {
            String name = property.getKey();
            String dropped = environmentForm(name.replace("-", ""));
            String split = environmentForm(name.replace("-", "."));
            if (variable.equals(dropped) || variable.equals(split)) {
                return Optional.of(name);
            }
            if (property.getValue().startsWith("java.util.Map<")
                    && (variable.startsWith(dropped + "_") || variable.startsWith(split + "_"))) {
                return Optional.of(name);
            }
        }
        return Optional.empty();
    }

    private static String environmentForm(String name) {
        return name.replace('.', '_').toUpperCase(Locale.ROOT);
    }
}
