package dev.herald.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * deploy/kubernetes rendered by {@code kubectl kustomize} (the base and the example overlay), every object read with
 * the typed Kubernetes model, and the rules a production rollout of Herald depends on.
 */
class KubernetesManifestsTest {

    private static final Path KUBERNETES = Kustomize.ROOT.resolve("deploy/kubernetes");
    /** Spring Boot's default {@code spring.lifecycle.timeout-per-shutdown-phase} (notes-service shuts down gracefully). */
    private static final Duration GRACEFUL_SHUTDOWN = Duration.ofSeconds(30);
    /** What the gateway's drain waits past its window for the last streams to close. */
    private static final Duration DRAIN_GRACE = Duration.ofSeconds(2);

    private static final Duration MARGIN = Duration.ofSeconds(10);

    private static final Map<String, List<HasMetadata>> RENDERED = new HashMap<>();

    @BeforeAll
    static void render() {
        RENDERED.put("base", Kustomize.render(KUBERNETES.resolve("base")));
        RENDERED.put("overlays/example", Kustomize.render(KUBERNETES.resolve("overlays/example")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/example"})
    void rendersEveryHeraldObjectAsATypedResource(String kustomization) {
        List<String> kinds = objects(kustomization).stream()
                .map(o -> o.getKind() + "/" + o.getMetadata().getName())
                .toList();

        assertThat(kinds)
                .contains(
                        "Deployment/notes-service",
                        "Deployment/sse-gateway",
                        "Service/notes-service",
                        "Service/sse-gateway",
                        "ConfigMap/notes-service",
                        "ConfigMap/sse-gateway",
                        "PodDisruptionBudget/notes-service",
                        "PodDisruptionBudget/sse-gateway",
                        "HorizontalPodAutoscaler/sse-gateway",
                        "Ingress/herald-events",
                        "Ingress/herald-web",
                        "ServiceMonitor/herald",
                        "PrometheusRule/herald");
        assertThat(kinds).doesNotHaveDuplicates();
    }

    @Test
    void theOverlaySetsNamespaceAndRegistry() {
        List<HasMetadata> overlay = objects("overlays/example");
        assertThat(overlay)
                .filteredOn(o -> !o.getKind().equals("Namespace"))
                .allSatisfy(o -> assertThat(o.getMetadata().getNamespace())
                        .as(o.getKind())
                        .isEqualTo("herald"));
        assertThat(deployments("overlays/example"))
                .allSatisfy(d -> assertThat(container(d).getImage())
                        .startsWith(
                                "registry.example.com/herald/" + d.getMetadata().getName() + ":"));
    }

    @Test
    void unknownFieldsAndKindsFailTheParse() throws IOException {
        String deployment = Files.readString(KUBERNETES.resolve("base/sse-gateway-deployment.yaml"));
        assertThat(Kustomize.parse(deployment)).hasSize(1);

        String misspelt = deployment.replace("readinessProbe:", "readinessProbes:");
        assertThatThrownBy(() -> Kustomize.parse(misspelt)).hasStackTraceContaining("readinessProbes");
        String unknownKind = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n";
        assertThatThrownBy(() -> Kustomize.parse(unknownKind)).hasMessageContaining("no typed model");
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/example"})
    void probesUseTheLivenessAndReadinessGroups(String kustomization) {
        for (Deployment deployment : deployments(kustomization)) {
            Container container = container(deployment);
            assertThat(httpPath(container.getReadinessProbe()))
                    .as("readiness of %s", name(deployment))
                    .isEqualTo("/actuator/health/readiness");
            assertThat(httpPath(container.getLivenessProbe()))
                    .as("liveness of %s", name(deployment))
                    .isEqualTo("/actuator/health/liveness");
            assertThat(httpPath(container.getStartupProbe()))
                    .as("start-up of %s", name(deployment))
                    .isEqualTo("/actuator/health/liveness");
            for (Probe probe : List.of(container.getReadinessProbe(), container.getLivenessProbe())) {
                assertThat(container.getPorts())
                        .extracting(p -> p.getName())
                        .contains(probe.getHttpGet().getPort().getStrVal());
            }
        }
        // the gateway's readiness follows its drain-aware streams contributor (starting, draining: out of service)
        Map<String, String> gateway = configFor(kustomization, deployment(kustomization, "sse-gateway"));
        assertThat(gateway.get("MANAGEMENT_ENDPOINT_HEALTH_GROUP_READINESS_INCLUDE")
                        .split(","))
                .containsExactlyInAnyOrder("readinessState", "streams");
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/example"})
    void terminationGracePeriodCoversPreStopAndTheDrain(String kustomization) {
        Deployment gateway = deployment(kustomization, "sse-gateway");
        Duration window = springDuration(configFor(kustomization, gateway)
                .getOrDefault(
                        "HERALD_GATEWAY_DRAIN_WINDOW",
                        ConfigurationMetadata.of("sse-gateway").defaultOf("herald.gateway.drain.window")));
        Duration needed = preStop(gateway).plus(window).plus(DRAIN_GRACE).plus(MARGIN);
        assertThat(Duration.ofSeconds(gateway.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds()))
                .as("gateway grace period vs preStop + drain window %s + %s + margin", window, DRAIN_GRACE)
                .isGreaterThanOrEqualTo(needed);

        Deployment notes = deployment(kustomization, "notes-service");
        assertThat(Duration.ofSeconds(notes.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds()))
                .as("notes-service grace period vs preStop + graceful shutdown + margin")
                .isGreaterThanOrEqualTo(preStop(notes).plus(GRACEFUL_SHUTDOWN).plus(MARGIN));
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/example"})
    void rollingUpdatesNeverTakeCapacityAway(String kustomization) {
        for (Deployment deployment : deployments(kustomization)) {
            var rolling = deployment.getSpec().getStrategy().getRollingUpdate();
            assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
            assertThat(rolling.getMaxUnavailable().getIntVal())
                    .as("maxUnavailable of %s", name(deployment))
                    .isZero();
            assertThat(rolling.getMaxSurge().getIntVal())
                    .as("maxSurge of %s", name(deployment))
                    .isPositive();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/example"})
    void everyDeploymentHasADisruptionBudgetAndAtLeastTwoPods(String kustomization) {
        List<PodDisruptionBudget> budgets = ofKind(kustomization, PodDisruptionBudget.class);
        HorizontalPodAutoscaler autoscaler =
                ofKind(kustomization, HorizontalPodAutoscaler.class).getFirst();
        for (Deployment deployment : deployments(kustomization)) {
            Map<String, String> podLabels =
                    deployment.getSpec().getTemplate().getMetadata().getLabels();
            List<PodDisruptionBudget> matching = budgets.stream()
                    .filter(b -> podLabels
                            .entrySet()
                            .containsAll(
                                    b.getSpec().getSelector().getMatchLabels().entrySet()))
                    .toList();
            assertThat(matching).as("disruption budget of %s", name(deployment)).hasSize(1);
            assertThat(matching.getFirst().getSpec().getMaxUnavailable().getIntVal())
                    .isEqualTo(1);

            boolean autoscaled =
                    autoscaler.getSpec().getScaleTargetRef().getName().equals(name(deployment));
            int pods = autoscaled
                    ? autoscaler.getSpec().getMinReplicas()
                    : deployment.getSpec().getReplicas();
            assertThat(pods)
                    .as("least pods of %s (one may be disrupted)", name(deployment))
                    .isGreaterThanOrEqualTo(2);
            if (autoscaled) {
                assertThat(deployment.getSpec().getReplicas())
                        .as("replicas of an autoscaled Deployment")
                        .isNull();
            }
        }
        assertThat(autoscaler.getSpec().getScaleTargetRef().getName()).isEqualTo("sse-gateway");
        assertThat(autoscaler.getSpec().getMaxReplicas())
                .isGreaterThan(autoscaler.getSpec().getMinReplicas());
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/example"})
    void containersHaveResourcesAndRunAsNonRootOnAReadOnlyRoot(String kustomization) {
        for (Deployment deployment : deployments(kustomization)) {
            PodSpec pod = deployment.getSpec().getTemplate().getSpec();
            Container container = container(deployment);
            Map<String, Quantity> requests = container.getResources().getRequests();
            assertThat(requests).as("requests of %s", name(deployment)).containsKeys("cpu", "memory");
            assertThat(container.getResources().getLimits())
                    .as("limits of %s", name(deployment))
                    .containsKey("memory");
            assertThat(Quantity.getAmountInBytes(
                            container.getResources().getLimits().get("memory")))
                    .isGreaterThanOrEqualTo(Quantity.getAmountInBytes(requests.get("memory")));

            assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
            assertThat(pod.getSecurityContext().getRunAsUser())
                    .as("a numeric non-root user")
                    .isPositive();
            assertThat(pod.getAutomountServiceAccountToken()).isFalse();
            var security = container.getSecurityContext();
            assertThat(security.getReadOnlyRootFilesystem())
                    .as("read-only root of %s", name(deployment))
                    .isTrue();
            assertThat(security.getAllowPrivilegeEscalation()).isFalse();
            assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
            // the JVM and Netty write to /tmp: a writable emptyDir there
            String tmpVolume = container.getVolumeMounts().stream()
                    .filter(m -> m.getMountPath().equals("/tmp"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(name(deployment) + " mounts nothing on /tmp"))
                    .getName();
            assertThat(pod.getVolumes())
                    .filteredOn(v -> v.getName().equals(tmpVolume))
                    .singleElement()
                    .satisfies(v -> assertThat(v.getEmptyDir()).isNotNull());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/example"})
    void imagesArePinnedToAVersion(String kustomization) {
        for (Deployment deployment : deployments(kustomization)) {
            String image = container(deployment).getImage();
            String tag = image.contains("@")
                    ? image.substring(image.indexOf('@') + 1)
                    : image.substring(image.lastIndexOf('/') + 1).contains(":")
                            ? image.substring(image.lastIndexOf(':') + 1)
                            : "";
            assertThat(tag).as("tag of %s", image).isNotBlank().isNotEqualTo("latest");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/example"})
    void configurationComesFromConfigMapsAndCredentialsFromSecrets(String kustomization) {
        List<String> configMaps = ofKind(kustomization, ConfigMap.class).stream()
                .map(KubernetesManifestsTest::name)
                .toList();
        for (Deployment deployment : deployments(kustomization)) {
            Container container = container(deployment);
            assertThat(container.getEnvFrom())
                    .extracting(e -> e.getConfigMapRef().getName())
                    .as("ConfigMaps of %s", name(deployment))
                    .isNotEmpty()
                    .allMatch(configMaps::contains);
            for (EnvVar variable : Objects.requireNonNullElse(container.getEnv(), List.<EnvVar>of())) {
                if (variable.getName().matches(".*(PASSWORD|SECRET|TOKEN).*")) {
                    assertThat(variable.getValueFrom().getSecretKeyRef())
                            .as(variable.getName())
                            .isNotNull();
                }
            }
            for (String key : configFor(kustomization, deployment).keySet()) {
                assertThat(key)
                        .as("a setting, not a credential, in a ConfigMap")
                        .doesNotContain("PASSWORD", "SECRET");
                assertThat(key).matches("(SERVER|SPRING|MANAGEMENT|HERALD)_[A-Z0-9_]+|JAVA_TOOL_OPTIONS");
            }
        }
        // notes-service: the application's role and the schema owner (migrations) are two roles with two Secrets
        Map<String, String> secretOf = new HashMap<>();
        for (EnvVar variable :
                container(deployment(kustomization, "notes-service")).getEnv()) {
            if (variable.getValueFrom() != null && variable.getValueFrom().getSecretKeyRef() != null) {
                secretOf.put(
                        variable.getName(),
                        variable.getValueFrom().getSecretKeyRef().getName());
            }
        }
        assertThat(secretOf)
                .containsKeys(
                        "SPRING_DATASOURCE_USERNAME",
                        "SPRING_DATASOURCE_PASSWORD",
                        "SPRING_FLYWAY_USER",
                        "SPRING_FLYWAY_PASSWORD");
        assertThat(secretOf.get("SPRING_DATASOURCE_PASSWORD"))
                .isEqualTo(secretOf.get("SPRING_DATASOURCE_USERNAME"))
                .isNotEqualTo(secretOf.get("SPRING_FLYWAY_PASSWORD"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/example"})
    void ingressStreamsWithoutBufferingAndKeepsActuatorInside(String kustomization) {
        Map<String, Ingress> ingresses = new HashMap<>();
        ofKind(kustomization, Ingress.class).forEach(i -> ingresses.put(name(i), i));
        Map<String, String> events =
                ingresses.get("herald-events").getMetadata().getAnnotations();
        assertThat(events).containsEntry("nginx.ingress.kubernetes.io/proxy-buffering", "off");
        // far above the gateways' 15 s heartbeat: a quiet stream is never cut by the proxy
        assertThat(Integer.parseInt(events.get("nginx.ingress.kubernetes.io/proxy-read-timeout")))
                .isGreaterThanOrEqualTo(3600);
        assertThat(Integer.parseInt(events.get("nginx.ingress.kubernetes.io/proxy-send-timeout")))
                .isGreaterThanOrEqualTo(3600);
        assertThat(paths(ingresses.get("herald-events"))).singleElement().satisfies(path -> {
            assertThat(path.getPath()).isEqualTo("/events");
            assertThat(path.getBackend().getService().getName()).isEqualTo("sse-gateway");
        });

        for (Ingress ingress : ingresses.values()) {
            assertThat(ingress.getSpec().getTls())
                    .as("TLS on %s", name(ingress))
                    .isNotEmpty();
            for (HTTPIngressPath path : paths(ingress)) {
                assertThat(path.getPath()).doesNotStartWith("/actuator");
                if (path.getPathType().equals("Prefix")) {
                    assertThat(path.getPath())
                            .as("prefix routes of %s", name(ingress))
                            .isIn("/events", "/notes");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/example"})
    void prometheusScrapesBothServicesAndLoadsTheAlertRules(String kustomization) throws IOException {
        ServiceMonitor monitor = ofKind(kustomization, ServiceMonitor.class).getFirst();
        Map<String, String> selector = monitor.getSpec().getSelector().getMatchLabels();
        List<Service> services = ofKind(kustomization, Service.class);
        assertThat(services)
                .extracting(KubernetesManifestsTest::name)
                .containsExactlyInAnyOrder("notes-service", "sse-gateway");
        for (Service service : services) {
            assertThat(service.getMetadata().getLabels().entrySet()).containsAll(selector.entrySet());
            assertThat(service.getSpec().getPorts())
                    .extracting(p -> p.getName())
                    .contains(monitor.getSpec().getEndpoints().getFirst().getPort());
        }
        assertThat(monitor.getSpec().getEndpoints().getFirst().getPath()).isEqualTo("/actuator/prometheus");

        PrometheusRule rule = ofKind(kustomization, PrometheusRule.class).getFirst();
        ObjectMapper json = new ObjectMapper();
        JsonNode file = new YAMLMapper()
                .readTree(Kustomize.ROOT
                        .resolve("deploy/prometheus/herald-alerts.yml")
                        .toFile());
        assertThat((JsonNode) json.valueToTree(rule.getSpec().getGroups()))
                .as("PrometheusRule groups = deploy/prometheus/herald-alerts.yml")
                .isEqualTo(file.path("groups"));
    }

    // --- helpers ---

    private static List<HasMetadata> objects(String kustomization) {
        return RENDERED.get(kustomization);
    }

    private static <T extends HasMetadata> List<T> ofKind(String kustomization, Class<T> type) {
        List<T> found = objects(kustomization).stream()
                .filter(type::isInstance)
                .map(type::cast)
                .toList();
        assertThat(found)
                .as("%s objects in %s", type.getSimpleName(), kustomization)
                .isNotEmpty();
        return found;
    }

    private static List<Deployment> deployments(String kustomization) {
        return ofKind(kustomization, Deployment.class);
    }

    private static Deployment deployment(String kustomization, String name) {
        return deployments(kustomization).stream()
                .filter(d -> name(d).equals(name))
                .findFirst()
                .orElseThrow();
    }

    private static Container container(Deployment deployment) {
        List<Container> containers =
                deployment.getSpec().getTemplate().getSpec().getContainers();
        assertThat(containers).as("containers of %s", name(deployment)).hasSize(1);
        return containers.getFirst();
    }

    /** The merged data of the ConfigMaps the Deployment's container takes its environment from. */
    private static Map<String, String> configFor(String kustomization, Deployment deployment) {
        Map<String, String> data = new HashMap<>();
        for (var source : container(deployment).getEnvFrom()) {
            ofKind(kustomization, ConfigMap.class).stream()
                    .filter(c -> name(c).equals(source.getConfigMapRef().getName()))
                    .forEach(c -> data.putAll(c.getData()));
        }
        return data;
    }

    private static String httpPath(Probe probe) {
        assertThat((Object) probe).isNotNull();
        return probe.getHttpGet().getPath();
    }

    /** The preStop pause ({@code sleep N}). */
    private static Duration preStop(Deployment deployment) {
        List<String> command =
                container(deployment).getLifecycle().getPreStop().getExec().getCommand();
        assertThat(command).hasSize(2).first().isEqualTo("sleep");
        return Duration.ofSeconds(Long.parseLong(command.get(1)));
    }

    private static List<HTTPIngressPath> paths(Ingress ingress) {
        return ingress.getSpec().getRules().stream()
                .flatMap(r -> r.getHttp().getPaths().stream())
                .toList();
    }

    /** {@code 30s}, {@code 500ms}, {@code 2m} as Spring Boot reads them. */
    private static Duration springDuration(String value) {
        Matcher m = Pattern.compile("(\\d+)(ms|s|m|h)").matcher(value.trim());
        assertThat(m.matches()).as("a duration: %s", value).isTrue();
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }

    private static String name(HasMetadata object) {
        return object.getMetadata().getName();
    }
}
