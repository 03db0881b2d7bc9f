package dev.herald.deploy;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Renders a kustomization with the real renderer, {@code kubectl kustomize} (on the path, or {@code HERALD_KUBECTL}),
 * and reads every object with fabric8's typed Kubernetes model, strictly: a field the model does not know fails the
 * parse (the model's catch-all {@code additionalProperties} is switched off), and so does a kind it has no type for.
 */
final class Kustomize {

    static final Path ROOT = repositoryRoot();
    private static final KubernetesSerialization STRICT = strictSerialization();

    private Kustomize() {}

    /** Every object {@code kubectl kustomize dir} renders, typed. */
    static List<HasMetadata> render(Path dir) {
        return parse(run(kubectl(), "kustomize", dir.toString()));
    }

    /** The objects of a multi-document YAML stream, typed; fails on unknown fields and kinds. */
    static List<HasMetadata> parse(String yaml) {
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : yaml.split("(?m)^---\\s*$")) {
            if (document.lines().allMatch(line -> line.isBlank() || line.startsWith("#"))) {
                continue;
            }
            Object parsed = STRICT.unmarshal(document);
            if (!(parsed instanceof HasMetadata object) || parsed instanceof GenericKubernetesResource) {
                throw new IllegalArgumentException(
                        "no typed model for: " + document.lines().limit(3).toList());
            }
            objects.add(object);
        }
        return objects;
    }

    private static KubernetesSerialization strictSerialization() {
        SimpleModule noCatchAll = new SimpleModule("strict-kubernetes-model");
        noCatchAll.setDeserializerModifier(new BeanDeserializerModifier() {
            @Override
            public BeanDeserializerBuilder updateBuilder(
                    DeserializationConfig config, BeanDescription bean, BeanDeserializerBuilder builder) {
                if (bean.getBeanClass().getName().startsWith("io.fabric8.")) {
                    builder.setAnySetter(null); // unknown fields now reach FAIL_ON_UNKNOWN_PROPERTIES
                }
                return builder;
            }
        });
        ObjectMapper mapper =
                new ObjectMapper().registerModule(noCatchAll).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        return new KubernetesSerialization(mapper, true);
    }

    /**
     * The kubectl to render with. Missing: a failure on CI (where {@code .ci/install-deploy-tools} installs it), a
     * skip with the reason elsewhere.
     */
    static String kubectl() {
        String configured = System.getenv("HERALD_KUBECTL");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, "kubectl"))) {
                return Path.of(dir, "kubectl").toString();
            }
        }
        missingTool("kubectl (for `kubectl kustomize`)");
        throw new IllegalStateException("unreachable");
    }

    /** Fails on CI, skips elsewhere, naming the script that installs the tool. */
    static void missingTool(String tool) {
        String message = tool + " is not installed: run .ci/install-deploy-tools (as root) to install it";
        if ("true".equals(System.getenv("CI"))) {
            fail(message);
        }
        System.out.println("SKIPPED: " + message);
        assumeTrue(false, message);
    }

    /** Runs a command to its end (at most a minute) and returns its standard output; fails with its error output. */
    static String run(String... command) {
        try {
            Path err = Files.createTempFile("herald-deploy-tests", ".err");
            try {
                Process process =
                        new ProcessBuilder(command).redirectError(err.toFile()).start();
                process.getOutputStream().close();
                byte[] out = process.getInputStream().readAllBytes();
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    fail(String.join(" ", command) + " did not finish within a minute");
                }
                if (process.exitValue() != 0) {
                    fail(String.join(" ", command) + " exited with " + process.exitValue() + ":\n"
                            + new String(out, StandardCharsets.UTF_8) + Files.readString(err));
                }
                return new String(out, StandardCharsets.UTF_8);
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("deploy/kubernetes"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException(
                    "deploy/kubernetes not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
