package dev.herald.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.ComposeContainer;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * Brings up the whole docker-compose.yml (images built from the repository) where a Docker engine runs, and checks
 * that every service became healthy behind the proxy. Skipped, with the reason, where there is no Docker engine.
 */
class ComposeSmokeIT {

    @Test
    void wholeComposeStackStartsHealthy() throws Exception {
        assumeTrue(
                dockerAvailable(),
                "No Docker engine here: docker-compose.yml is checked statically by "
                        + "ComposeFileTest; this smoke test runs wherever `docker info` works.");

        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("docker-compose.yml"))) {
            root = root.getParent();
        }
        try (ComposeContainer compose = new ComposeContainer(
                        new File(root.resolve("docker-compose.yml").toString()))
                .withBuild(true)
                .withEnv("HERALD_HOST", "localhost")
                .withExposedService(
                        "notes-service",
                        8080,
                        Wait.forHttp("/actuator/health").forStatusCode(200).withStartupTimeout(Duration.ofMinutes(10)))
                .withExposedService(
                        "sse-gateway",
                        8081,
                        Wait.forHttp("/actuator/health").forStatusCode(200).withStartupTimeout(Duration.ofMinutes(10)))
                .withExposedService(
                        "keycloak",
                        8080,
                        Wait.forHttp("/realms/herald/.well-known/openid-configuration")
                                .forStatusCode(200)
                                .withStartupTimeout(Duration.ofMinutes(10)))) {
            compose.start();

            String issuer = "http://" + compose.getServiceHost("keycloak", 8080) + ":"
                    + compose.getServicePort("keycloak", 8080) + "/realms/herald/.well-known/openid-configuration";
            try (HttpClient http = HttpClient.newHttpClient()) {
                HttpResponse<String> discovery = http.send(
                        HttpRequest.newBuilder(URI.create(issuer)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(discovery.body()).contains("\"issuer\":\"https://localhost:8443/realms/herald\"");
            }
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | Error e) {
            return false;
        }
    }
}
