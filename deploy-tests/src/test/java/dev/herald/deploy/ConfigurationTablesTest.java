package dev.herald.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.deploy.ConfigurationMetadata.Property;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The configuration tables of the docs agree with the configuration metadata of notes-service and sse-gateway (what
 * the configuration processor reads off their {@code @ConfigurationProperties} records). A configuration table is a
 * Markdown table whose first column is headed {@code property} and that has a {@code default} column, in any document
 * git lists (README.md, docs/*.md, the modules' READMEs). For its {@code herald.*} rows:
 * <ul>
 *   <li>every property a row names exists in the metadata ({@code herald.x.*} rows: some property under it);
 *   <li>a default the row gives (the backticked value at the start of the cell, one per property for
 *       {@code `a` / `.b`} rows) equals the metadata's, read as Spring Boot binds it ({@code 10s} = {@code PT10S},
 *       {@code 256KB} = 262144 bytes, {@code a,b} = {@code [a, b]}); {@code (empty)} and {@code (unset)} say there
 *       is none;
 *   <li>every {@code herald.*} property of the metadata is named by at least one row.
 * </ul>
 */
class ConfigurationTablesTest {

    private static final Pattern BACKTICKED = Pattern.compile("`([^`]+)`");
    private static final Pattern LEADING_VALUE = Pattern.compile("^`([^`]*)`");
    private static final Set<String> NONE = Set.of("(empty)", "(unset)");

    /** Every herald.* property by name, with each service's declaration of it (role-claims is in both). */
    private static Map<String, List<Property>> metadata;

    @BeforeAll
    static void readMetadata() {
        metadata = new LinkedHashMap<>();
        for (String service : ConfigurationMetadata.SERVICES) {
            ConfigurationMetadata.of(service).properties().values().stream()
                    .filter(property -> property.name().startsWith("herald."))
                    .forEach(property -> metadata.computeIfAbsent(property.name(), name -> new ArrayList<>())
                            .add(property));
        }
    }

    @Test
    void theMetadataListsTheHeraldPropertiesOfBothServicesWithTheirDefaults() {
        assertThat(metadata)
                .containsKeys(
                        "herald.security.role-claims",
                        "herald.notes.max-request-size",
                        "herald.outbox.relay.lease-timeout",
                        "herald.gateway.max-connections",
                        "herald.gateway.resume.ring-size",
                        "herald.gateway.dashboard.notes-url",
                        "herald.gateway.dashboard.allowed-origins");
        assertThat(metadata.get("herald.gateway.max-connections").getFirst().defaultValue())
                .contains("19500");
    }

    @Test
    void tablesNameOnlyPropertiesThatExistWithTheirDefaults() throws IOException {
        List<String> problems = new ArrayList<>();
        for (String document : DocsReferencesTest.documents()) {
            for (Row row : configurationRows(document, Files.readString(Kustomize.ROOT.resolve(document)))) {
                problems.addAll(check(row));
            }
        }
        assertThat(problems)
                .as("configuration table rows that disagree with the configuration metadata")
                .isEmpty();
    }

    @Test
    void everyPropertyIsDocumentedInATable() throws IOException {
        Set<String> documented = new LinkedHashSet<>();
        for (String document : DocsReferencesTest.documents()) {
            for (Row row : configurationRows(document, Files.readString(Kustomize.ROOT.resolve(document)))) {
                documented.addAll(row.properties());
            }
        }
        List<String> undocumented = metadata.keySet().stream()
                .filter(name -> !documented.contains(name))
                .map(name -> name + " is in no configuration table (README.md, docs/*.md, module READMEs)")
                .toList();
        assertThat(undocumented).isEmpty();
    }

    @Test
    void aWrongDefaultAnUnknownPropertyAndAMismatchedRowAreReported() {
        String table = """
                | property | default | meaning |
                | --- | --- | --- |
                | `herald.gateway.max-connections` | `19000` | streams |
                | `herald.gateway.heartbeat` / `.tick` | `PT15S` / `1000ms` | both right, other forms |
                | `herald.gateway.flow.pending-bytes` | `262144` | right, in bytes |
                | `herald.security.role-claims` | `roles, realm_access.roles` | right, spaced |
                | `herald.gateway.no-such-thing` | `1` | |
                | `herald.gateway.retry` / `.retry-after` | `3s` | one default for two |
                | `herald.gateway.dashboard.gateways` | (empty) | right: none |
                | `herald.gateway.resume.ring-size` | (unset) | wrong: it has one |
                """;

        List<String> problems = configurationRows("docs/example.md", table).stream()
                .flatMap(row -> check(row).stream())
                .toList();

        assertThat(problems)
                .containsExactly(
                        "docs/example.md:3 `herald.gateway.max-connections`: the table says 19000, the metadata's default"
                                + " is 19500",
                        "docs/example.md:7 `herald.gateway.no-such-thing`: no such property in the metadata of"
                                + " notes-service, sse-gateway",
                        "docs/example.md:8: the row names 2 properties [herald.gateway.retry,"
                                + " herald.gateway.retry-after] but gives 1 default(s)",
                        "docs/example.md:10 `herald.gateway.resume.ring-size`: the table says (unset), the metadata's"
                                + " default is 50000");
    }

    /** One row of a configuration table: its properties (full names) and the default given for each, if any. */
    record Row(String where, List<String> properties, List<String> defaults) {}

    private static List<String> check(Row row) {
        List<String> problems = new ArrayList<>();
        for (String name : row.properties()) {
            boolean exists = name.endsWith(".*")
                    ? metadata.keySet().stream()
                            .anyMatch(known -> known.startsWith(name.substring(0, name.length() - 1)))
                    : metadata.containsKey(name);
            if (!exists) {
                problems.add(row.where() + " `" + name + "`: no such property in the metadata of "
                        + String.join(", ", ConfigurationMetadata.SERVICES));
            }
        }
        if (row.defaults().isEmpty()) {
            return problems;
        }
        if (row.defaults().size() != row.properties().size()) {
            problems.add(row.where() + ": the row names " + row.properties().size() + " properties " + row.properties()
                    + " but gives " + row.defaults().size() + " default(s)");
            return problems;
        }
        for (int i = 0; i < row.properties().size(); i++) {
            String name = row.properties().get(i);
            String documented = row.defaults().get(i);
            for (Property property : metadata.getOrDefault(name, List.of())) {
                String actual = property.defaultValue().orElse("(none)");
                boolean agrees = NONE.contains(documented)
                        ? property.defaultValue().isEmpty()
                        : property.defaultValue().isPresent()
                                && Objects.equals(property.normalise(documented), property.normalise(actual));
                if (!agrees) {
                    problems.add(row.where() + " `" + name + "`: the table says " + documented
                            + ", the metadata's default is " + actual);
                }
            }
        }
        return problems;
    }

    /** The herald.* rows of every configuration table in a document. */
    static List<Row> configurationRows(String document, String text) {
        List<Row> rows = new ArrayList<>();
        List<String> lines = text.lines().toList();
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (!lines.get(i).startsWith("|") || !lines.get(i + 1).matches("\\|[\\s|:-]+")) {
                continue;
            }
            List<String> header =
                    cells(lines.get(i)).stream().map(String::toLowerCase).toList();
            int defaultColumn = header.indexOf("default");
            boolean configuration = header.getFirst().equals("property") && defaultColumn > 0;
            int row = i + 2;
            for (; row < lines.size() && lines.get(row).startsWith("|"); row++) {
                if (!configuration) {
                    continue;
                }
                List<String> cells = cells(lines.get(row));
                List<String> properties = properties(cells.getFirst());
                if (properties.stream().anyMatch(name -> name.startsWith("herald."))) {
                    String where = document + ":" + (row + 1);
                    rows.add(new Row(
                            where, properties, defaults(cells.size() > defaultColumn ? cells.get(defaultColumn) : "")));
                }
            }
            i = row - 1;
        }
        return rows;
    }

    /**
     * The full names a property cell gives: {@code `herald.a.b` / `.c`} is herald.a.b and herald.a.c; names apart
     * by commas are full names each.
     */
    private static List<String> properties(String cell) {
        List<String> names = new ArrayList<>();
        String last = null;
        Matcher m = BACKTICKED.matcher(cell);
        while (m.find()) {
            String token = m.group(1).trim();
            if (last != null && (token.startsWith(".") || !token.contains("."))) {
                String parent = last.substring(0, last.lastIndexOf('.'));
                token = parent + (token.startsWith(".") ? token : "." + token);
            }
            names.add(token);
            last = token;
        }
        return names;
    }

    /** The defaults a default cell gives, one per {@code /}-separated part; none when it names no value. */
    private static List<String> defaults(String cell) {
        String trimmed = cell.trim();
        if (NONE.contains(trimmed)) {
            return List.of(trimmed);
        }
        List<String> values = new ArrayList<>();
        for (String part : trimmed.split(" / ")) {
            Matcher value = LEADING_VALUE.matcher(part.trim());
            if (value.find()) {
                values.add(value.group(1));
            } else if (NONE.contains(part.trim())) {
                values.add(part.trim());
            }
        }
        return values;
    }

    private static List<String> cells(String line) {
        String inner = line.trim();
        inner = inner.substring(1, inner.endsWith("|") ? inner.length() - 1 : inner.length());
        return List.of(inner.split("\\|", -1)).stream().map(String::trim).toList();
    }
}
