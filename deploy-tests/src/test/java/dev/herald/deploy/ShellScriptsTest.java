package dev.herald.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every shell script of the repository (a {@code .sh} file or a file whose first line runs sh or bash, as git
 * lists them) passes shellcheck with its default checks: no finding of any severity. A finding a script must keep
 * is disabled on its line, with the reason.
 */
class ShellScriptsTest {

    @Test
    void everyShellScriptPassesShellcheck() throws IOException {
        List<String> scripts = shellScripts();
        assertThat(scripts)
                .as("the scripts found")
                .contains(
                        "stack",
                        "mvnw",
                        ".ci/run",
                        ".ci/install-deploy-tools",
                        "bench/gateway.sh",
                        "deploy/postgres/init-databases.sh");
        List<String> command = new ArrayList<>(List.of(shellcheck(), "--format=gcc"));
        scripts.forEach(script -> command.add(Kustomize.ROOT.resolve(script).toString()));
        String out = Kustomize.run(command.toArray(String[]::new));
        assertThat(out).as("shellcheck's findings").isEmpty();
    }

    @Test
    void shellcheckReportsAWarning() throws IOException {
        String shellcheck =
                shellcheck(); // outside the lambda: a missing tool skips the test, it is not the failure asserted
        Path script = Files.createTempFile("herald-shellcheck", ".sh");
        try {
            Files.writeString(script, "#!/usr/bin/env bash\nrm -rf $1/cache\n");
            assertThatThrownBy(() -> Kustomize.run(shellcheck, "--format=gcc", script.toString()))
                    .hasMessageContaining("exited with")
                    .hasMessageContaining("SC2086");
        } finally {
            Files.deleteIfExists(script);
        }
    }

    /** The repository's files that are shell scripts: {@code *.sh}, or a first line {@code #!...sh} / {@code #!...bash}. */
    private static List<String> shellScripts() throws IOException {
        String listed = Kustomize.run("git", "-C", Kustomize.ROOT.toString(), "ls-files", "-z");
        List<String> scripts = new ArrayList<>();
        for (String file : listed.split("\0")) {
            Path path = Kustomize.ROOT.resolve(file);
            if (file.isEmpty() || !Files.isRegularFile(path)) {
                continue;
            }
            if (file.endsWith(".sh") || runsAShell(path)) {
                scripts.add(file);
            }
        }
        return scripts;
    }

    private static boolean runsAShell(Path file) throws IOException {
        byte[] head;
        try (var in = Files.newInputStream(file)) {
            head = in.readNBytes(128);
        }
        String first = new String(head, StandardCharsets.ISO_8859_1)
                .lines()
                .findFirst()
                .orElse("");
        return first.matches("#!\\s*\\S*/(env\\s+)?(ba)?sh(\\s.*)?"); // #!/bin/sh, #!/usr/bin/env bash, ...
    }

    static String shellcheck() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, "shellcheck"))) {
                return Path.of(dir, "shellcheck").toString();
            }
        }
        Kustomize.missingTool("shellcheck (Debian package shellcheck)");
        throw new IllegalStateException("unreachable");
    }
}
