package dev.herald.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/caddy/Caddyfile as Caddy itself reads it: {@code caddy adapt} turns it into Caddy's JSON configuration (a
 * syntax error fails), and the checks run on that: health-checked gateways, unbuffered streams, and the paths kept
 * inside answered before anything is proxied.
 */
class CaddyfileTest {

    private static final Path CADDYFILE = Kustomize.ROOT.resolve("deploy/caddy/Caddyfile");
    private static JsonNode servers;

    @BeforeAll
    static void adapt() throws IOException {
        servers = new ObjectMapper().readTree(adapt(CADDYFILE)).at("/apps/http/servers");
    }

    @Test
    void everyRouteToTheGatewaysIsHealthCheckedOnTheirReadiness() {
        List<JsonNode> gateways = new ArrayList<>();
        for (JsonNode proxy : handlers(server(":443"), "reverse_proxy")) {
            if (proxy.path("upstreams").toString().contains("sse-gateway")) {
                gateways.add(proxy);
            }
        }
        assertThat(gateways)
                .as("routes to the gateways: streams and the dashboard")
                .hasSize(2);
        for (JsonNode proxy : gateways) {
            assertThat(proxy.at("/health_checks/active/uri").asText()).isEqualTo("/actuator/health/readiness");
            assertThat(proxy.at("/health_checks/active/expect_status").asInt()).isEqualTo(200);
            assertThat(proxy.at("/health_checks/active/interval").asLong())
                    .isPositive()
                    .isLessThanOrEqualTo(5_000_000_000L);
            assertThat(proxy.at("/health_checks/passive/unhealthy_status").toString())
                    .contains("503");
            // active checks run only on static upstreams
            assertThat(proxy.has("dynamic_upstreams")).isFalse();
            assertThat(proxy.path("upstreams")).hasSizeGreaterThanOrEqualTo(2);
        }
        JsonNode streams = gateways.stream()
                .filter(p -> p.path("flush_interval").asLong() == -1)
                .findFirst()
                .orElseThrow();
        assertThat(streams.at("/transport/read_timeout").asLong()).isGreaterThanOrEqualTo(3_600_000_000_000L);
        assertThat(streams.at("/load_balancing/selection_policy/policy").asText())
                .isEqualTo("least_conn");
    }

    @Test
    void actuatorAdminAndTheMasterRealmAreAnsweredBeforeAnythingIsProxied() {
        assertBlockedFirst(server(":443"), "/actuator/*");
        assertBlockedFirst(server(":8443"), "/admin/*", "/realms/master/*", "/admin", "/realms/master");
    }

    @Test
    void caddyRejectsAnUnknownDirective() throws IOException {
        Path broken = Files.createTempFile("Caddyfile", "");
        try {
            Files.writeString(broken, Files.readString(CADDYFILE).replace("health_uri", "health_url"));
            assertThatThrownBy(() -> adapt(broken)).hasMessageContaining("health_url");
        } finally {
            Files.deleteIfExists(broken);
        }
    }

    /** In the server's routes, in order, a 404 for these paths comes before the first reverse_proxy. */
    private static void assertBlockedFirst(JsonNode server, String... paths) {
        List<JsonNode> flat = new ArrayList<>();
        flatten(server.path("routes"), flat);
        int blocked = -1;
        int proxied = -1;
        for (int i = 0; i < flat.size(); i++) {
            JsonNode route = flat.get(i);
            String handlers = route.path("handle").toString();
            if (blocked < 0
                    && handlers.contains("\"static_response\"")
                    && handlers.contains("\"status_code\":404")
                    && List.of(paths).stream()
                            .allMatch(p -> route.path("match").toString().contains("\"" + p + "\""))) {
                blocked = i;
            }
            if (proxied < 0 && handlers.contains("\"reverse_proxy\"")) {
                proxied = i;
            }
        }
        assertThat(blocked).as("a 404 route for %s", List.of(paths)).isNotNegative();
        assertThat(blocked).as("the 404 route comes before the proxy").isLessThan(proxied);
    }

    /**
     * Routes in the order Caddy tries them, subroutes expanded in place; a route inside a subroute takes its parent's
     * matcher when it has none (it only runs when the parent matched).
     */
    private static void flatten(JsonNode routes, List<JsonNode> out) {
        for (JsonNode route : routes) {
            boolean sub = false;
            for (JsonNode handler : route.path("handle")) {
                if (handler.path("handler").asText().equals("subroute")) {
                    List<JsonNode> children = new ArrayList<>();
                    flatten(handler.path("routes"), children);
                    for (JsonNode child : children) {
                        if (!child.has("match") && route.has("match")) {
                            child = ((ObjectNode) child.deepCopy()).set("match", route.path("match"));
                        }
                        out.add(child);
                    }
                    sub = true;
                }
            }
            if (!sub) {
                out.add(route);
            }
        }
    }

    private static List<JsonNode> handlers(JsonNode node, String type) {
        List<JsonNode> found = new ArrayList<>();
        if (node.isObject() && node.path("handler").asText().equals(type)) {
            found.add(node);
        }
        node.forEach(child -> found.addAll(handlers(child, type)));
        return found;
    }

    private static JsonNode server(String listen) {
        for (JsonNode server : servers) {
            if (server.path("listen").toString().contains("\"" + listen + "\"")) {
                return server;
            }
        }
        throw new AssertionError("no server listening on " + listen);
    }

    private static String adapt(Path caddyfile) {
        return Kustomize.run(caddy(), "adapt", "--adapter", "caddyfile", "--config", caddyfile.toString());
    }

    private static String caddy() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, "caddy"))) {
                return Path.of(dir, "caddy").toString();
            }
        }
        String configured = System.getenv("HERALD_CADDY");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        Kustomize.missingTool("caddy (Debian package caddy)");
        throw new IllegalStateException("unreachable");
    }
}
