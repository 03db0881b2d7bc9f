package dev.herald.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The documents name only code that exists. Checked in every Markdown file git lists (outside {@code node_modules}):
 * <ul>
 *   <li>a test class in backticks ({@code `SomethingIT`}, {@code `SomethingTest`}) is a Java file of the repository;
 *   <li>a member of one of Herald's classes ({@code `Class.member`} or {@code `Class.member()`}, where a Java file
 *       {@code Class.java} exists) is declared in that file: a method, field, constant or record component.
 * </ul>
 * Library classes ({@code `KafkaConsumer`}) are not checked: the rule is about what a maintainer can look up here.
 */
class DocsReferencesTest {

    private static final Pattern TEST_CLASS = Pattern.compile("`([A-Z][A-Za-z0-9]*(?:IT|Test))(?:[.#][^`]*)?`");
    private static final Pattern MEMBER =
            Pattern.compile("`([A-Z][A-Za-z0-9]*)\\.([a-z][A-Za-z0-9]*)(?:\\([^`]*\\))?`");

    @Test
    void documentsNameOnlyClassesAndMembersThatExist() throws IOException {
        Map<String, List<Path>> sources = javaSources();
        List<String> missing = new ArrayList<>();
        for (String document : documents()) {
            String text = Files.readString(Kustomize.ROOT.resolve(document));
            Matcher tests = TEST_CLASS.matcher(text);
            while (tests.find()) {
                if (!sources.containsKey(tests.group(1))) {
                    missing.add(document + ": no class " + tests.group(1));
                }
            }
            Matcher members = MEMBER.matcher(text);
            while (members.find()) {
                List<Path> files = sources.get(members.group(1));
                if (files != null && !declares(files, members.group(2))) {
                    missing.add(document + ": " + members.group(1) + " declares no " + members.group(2));
                }
            }
        }
        assertThat(missing).as("names in the docs that the code does not have").isEmpty();
    }

    @Test
    void aMemberThatIsNotThereIsFound() throws IOException {
        Map<String, List<Path>> sources = javaSources();
        assertThat(sources).containsKey("OutboxRelay");
        assertThat(declares(sources.get("OutboxRelay"), "isRunning")).isTrue();
        assertThat(declares(sources.get("OutboxRelay"), "publishEverythingTwice"))
                .isFalse();
    }

    private static boolean declares(List<Path> files, String member) throws IOException {
        Pattern declaration = Pattern.compile(
                "(?:[\\w<>\\[\\]?,]+\\s+" + member + "\\s*[(;=,)])" // method, field, record component
                        + "|(?:^|\\s|,)" + member + "\\s*[(,;]" // enum constant
                        + "|(?:record|class|interface|enum)\\s+" + member + "\\b",
                Pattern.MULTILINE);
        for (Path file : files) {
            if (declaration.matcher(Files.readString(file)).find()) {
                return true;
            }
        }
        return false;
    }

    /** Java files of the repository by simple class name (a name may exist in several modules). */
    private static Map<String, List<Path>> javaSources() throws IOException {
        Map<String, List<Path>> sources = new HashMap<>();
        for (String file : listed()) {
            if (file.endsWith(".java")) {
                Path path = Kustomize.ROOT.resolve(file);
                String name = path.getFileName().toString().replace(".java", "");
                sources.computeIfAbsent(name, key -> new ArrayList<>()).add(path);
            }
        }
        return sources;
    }

    /** The Markdown files git lists, outside {@code node_modules}. */
    static List<String> documents() throws IOException {
        return listed().stream()
                .filter(file -> file.endsWith(".md") && !file.contains("node_modules/"))
                .toList();
    }

    private static List<String> listed() throws IOException {
        String out = Kustomize.run("git", "-C", Kustomize.ROOT.toString(), "ls-files", "-z");
        try (Stream<String> files = Stream.of(out.split("\0"))) {
            return files.filter(file -> !file.isEmpty() && Files.isRegularFile(Kustomize.ROOT.resolve(file)))
                    .toList();
        }
    }
}
