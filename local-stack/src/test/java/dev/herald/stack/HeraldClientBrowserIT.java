package dev.herald.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.stack.StackScript.Result;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The browser client and the contracts, against one local stack started by {@code ./stack up} on free ports, with
 * access tokens that expire after 30 s.
 *
 * <p>{@code herald-client.js}, as the gateway serves it, in real headless Chromium (driven by playwright-core from
 * {@code src/test/browser/client-tabs.mjs}, whose header tells the story): six tabs of one user share one stream (the
 * gateways' connection count is 1) and each gets every event once; the leader tab closes while events flow and another
 * leads within 2 s, nothing missed or repeated; the gateway the stream uses stops and the stream moves to the other
 * one, nothing missed; 503 with {@code Retry-After} is waited out and retried; an expiring token is renewed through
 * {@code getToken} with no event missed.
 *
 * <p>The contracts as the stack serves them ({@code src/test/browser/contracts.mjs}): the topic's AsyncAPI document,
 * the stream's OpenAPI 3.2 document and notes-service's generated OpenAPI description validate with official parsers
 * and schemas, and their examples with the event JSON Schema.
 */
class HeraldClientBrowserIT {

    /** Services start faster on a busy machine with C1 only and one GC thread; a test needs no peak performance. */
    private static final String SERVICE_JAVA_OPTS = "-Xmx384m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC";

    private static final String TOKEN_EXPIRY_SECONDS = "30";

    @TempDir
    static Path stackDir;

    private static StackScript stack;
    private static BrowserScript browser;

    @BeforeAll
    static void startTheStack() throws Exception {
        stack = StackScript.onFreePorts(stackDir)
                .with("HERALD_SERVICE_JAVA_OPTS", SERVICE_JAVA_OPTS)
                .with("HERALD_TOKEN_EXPIRY", TOKEN_EXPIRY_SECONDS);
        browser = BrowserScript.assumeInstalled(stack, "HeraldClientBrowserIT");
        Result up = stack.run("up", "--no-build");
        if (up.exitCode() != 0) {
            stopTheStack();
        }
        assertThat(up.exitCode()).as("./stack up --no-build:%n%s", up.output()).isZero();
    }

    @AfterAll
    static void stopTheStack() throws Exception {
        if (browser == null) {
            return; // skipped: nothing started
        }
        Result down = stack.run("down");
        BrowserScript.keepStackLogs(stackDir);
        browser = null;
        assertThat(down.exitCode()).as("./stack down:%n%s", down.output()).isZero();
    }

    @Test
    void sixTabsShareOneStreamThatSurvivesLeaderCloseGatewayStopRetryAfterAndTokenExpiryWithoutMissingOrRepeating()
            throws Exception {
        browser.run(
                "client-tabs.mjs",
                stack,
                Map.of(
                        "HERALD_NOTES_URL", "http://localhost:" + stack.port("HERALD_NOTES_PORT"),
                        "HERALD_ISSUER_URI", "http://localhost:" + stack.port("HERALD_ISSUER_PORT") + "/herald",
                        "HERALD_TOKEN_EXPIRY", TOKEN_EXPIRY_SECONDS),
                8);
    }

    @Test
    void asyncApiAndOpenApiDocumentsAsServedValidateWithOfficialSchemasAndTheirExamplesWithTheEventSchema()
            throws Exception {
        browser.run(
                "contracts.mjs",
                stack,
                Map.of("HERALD_NOTES_URL", "http://localhost:" + stack.port("HERALD_NOTES_PORT")),
                3);
    }
}
