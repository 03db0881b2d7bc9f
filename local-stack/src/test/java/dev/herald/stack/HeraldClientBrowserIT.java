package dev.herald.stack;

import dev.herald.stack.StackScript.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code herald-client.js}, as the gateway serves it, in real headless Chromium (driven by playwright-core from
 * {@code src/test/browser/client-tabs.mjs}, whose header tells the story) against the local stack started by
 * {@code ./stack up} on free ports, with access tokens that expire after 30 s.
 *
 * <p>Six tabs of one user share one stream (the gateways' connection count is 1) and each gets every event once; the
 * leader tab closes while events flow and another leads within 2 s, nothing missed or repeated; the gateway the stream
 * uses stops and the stream moves to the other one, nothing missed; 503 with {@code Retry-After} is waited out and
 * retried; an expiring token is renewed through {@code getToken} with no event missed.
 */
class HeraldClientBrowserIT {

    /** Services start faster on a busy machine with C1 only and one GC thread; a test needs no peak performance. */
    private static final String SERVICE_JAVA_OPTS = "-Xmx384m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC";
    private static final String TOKEN_EXPIRY_SECONDS = "30";

    @TempDir
    Path stackDir;

    @Test
    void sixTabsShareOneStreamThatSurvivesLeaderCloseGatewayStopRetryAfterAndTokenExpiryWithoutMissingOrRepeating()
            throws Exception {
        StackScript stack = StackScript.onFreePorts(stackDir)
                .with("HERALD_SERVICE_JAVA_OPTS", SERVICE_JAVA_OPTS)
                .with("HERALD_TOKEN_EXPIRY", TOKEN_EXPIRY_SECONDS);
        BrowserScript browser = BrowserScript.assumeInstalled(stack, "HeraldClientBrowserIT");

        Result up = stack.run("up", "--no-build");
        try {
            assertThat(up.exitCode()).as("./stack up --no-build:%n%s", up.output()).isZero();
            browser.run("client-tabs.mjs", stack, Map.of(
                    "HERALD_NOTES_URL", "http://localhost:" + stack.port("HERALD_NOTES_PORT"),
                    "HERALD_ISSUER_URI", "http://localhost:" + stack.port("HERALD_ISSUER_PORT") + "/herald",
                    "HERALD_TOKEN_EXPIRY", TOKEN_EXPIRY_SECONDS), 8);
        } finally {
            Result down = stack.run("down"); // whatever happened
            BrowserScript.keepStackLogs(stackDir);
            assertThat(down.exitCode()).as("./stack down:%n%s", down.output()).isZero();
        }
    }
}
