package dev.herald.stack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Names the program listening on a port, as {@code ss} reports it, for the message that the port is taken. */
final class PortOwner {

    private static final Path SS = Path.of("/usr/bin/ss");
    private static final Pattern USER = Pattern.compile("users:\\(\\((\"[^\"]*\"),pid=(\\d+)");

    private PortOwner() {}

    /** {@code  ("nginx", pid 14321)}, or nothing when {@code ss} is missing or does not say. */
    static String of(int port) {
        if (!Files.isExecutable(SS)) {
            return "";
        }
        try {
            Process ss = new ProcessBuilder(SS.toString(), "-ltnpH", "sport = :" + port)
                    .redirectErrorStream(true)
                    .start();
            String output = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!ss.waitFor(5, TimeUnit.SECONDS)) {
                ss.destroyForcibly();
                return "";
            }
            return describe(output);
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    static String describe(String ssOutput) {
        Matcher user = USER.matcher(ssOutput);
        return user.find() ? " (" + user.group(1) + ", pid " + user.group(2) + ")" : "";
    }
}
