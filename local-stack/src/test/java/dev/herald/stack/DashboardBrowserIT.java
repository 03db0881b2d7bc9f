package dev.herald.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.stack.StackScript.Result;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real browser: Debian's Chromium, driven by playwright-core from
 * {@code src/test/browser/dashboard-live.mjs} (its header tells the story step by step), against the whole local
 * stack started by {@code ./stack up} on free ports with its own state directory, and stopped again whatever happens.
 *
 * <p>alice, bob and admin sign in through the issuer (authorization code with PKCE) in browser contexts of their own;
 * alice's created, edited and deleted note reaches alice's and admin's pages live and never bob's; when the gateway
 * instance alice's page streams from stops, her page shows {@code reconnecting}, then goes live on the other instance
 * with the edit admin made meanwhile on it. Then admin signs out through the issuer's end-session endpoint and bob
 * signs in on the same page: none of alice's or admin's notes appear on it, and no token sits in web storage. Last, an
 * id_token whose claims were altered on the way is refused: the page stays signed out.
 *
 * <p>Skipped, saying how to install them, where Chromium or playwright-core is missing ({@code .ci/install-browser};
 * {@code .ci/run} calls it, so CI always runs this test). Uses the service jars the build made ({@code up --no-build}):
 * run it through the reactor ({@code ./mvnw verify}) or after {@code ./mvnw package}.
 */
class DashboardBrowserIT {

    /** Services start faster on a busy machine with C1 only and one GC thread; a test needs no peak performance. */
    private static final String SERVICE_JAVA_OPTS = "-Xmx384m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC";

    @TempDir
    Path stackDir;

    @Test
    void aliceAndAdminSeeAlicesChangesLiveBobSeesNoneAndAlicesPageMovesToTheOtherGatewayWhenHersStops()
            throws Exception {
        StackScript stack = StackScript.onFreePorts(stackDir).with("HERALD_SERVICE_JAVA_OPTS", SERVICE_JAVA_OPTS);
        BrowserScript browser = BrowserScript.assumeInstalled(stack, "DashboardBrowserIT");

        Result up = stack.run("up", "--no-build");
        try {
            assertThat(up.exitCode())
                    .as("./stack up --no-build:%n%s", up.output())
                    .isZero();
            browser.run("dashboard-live.mjs", stack, Map.of(), 5);
        } finally {
            Result down = stack.run("down"); // whatever happened
            BrowserScript.keepStackLogs(stackDir);
            assertThat(down.exitCode()).as("./stack down:%n%s", down.output()).isZero();
        }
    }
}
