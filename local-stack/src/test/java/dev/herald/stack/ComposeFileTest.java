package dev.herald.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Static checks of docker-compose.yml, since no Docker engine runs in CI: the file is valid Compose (the
 * compose-spec JSON schema), every image it builds has its Dockerfile, and it agrees with the services' own
 * configuration (ports, property names), the Keycloak realm and the proxy.
 */
class ComposeFileTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = repositoryRoot();
    private static final Map<String, Integer> APP_PORTS = Map.of("notes-service", 8080, "sse-gateway", 8081);

    private static JsonNode compose;
    private static JsonSchema schema;

    @BeforeAll
    static void load() throws IOException {
        compose = yaml(ROOT.resolve("docker-compose.yml"));
        try (InputStream in = ComposeFileTest.class.getResourceAsStream("/compose-spec.json")) {
            JsonNode spec = JSON.readTree(in);
            // the file's relative "$id" (compose_spec.json) is no base IRI to the validator; its refs are all local
            ((ObjectNode) spec).remove("$id");
            // draft 7 plus the annotation-only "deprecated" keyword the compose schema uses
            JsonMetaSchema draft7 = JsonMetaSchema.builder(JsonMetaSchema.getV7())
                    .keyword(new NonValidationKeyword("deprecated"))
                    .build();
            schema = JsonSchemaFactory.builder(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7))
                    .metaSchema(draft7)
                    .build()
                    .getSchema(spec);
        }
    }

    @Test
    void composeFileIsValidAgainstTheComposeSpecification() {
        assertThat(schema.validate(compose)).as("compose-spec violations").isEmpty();
    }

    @Test
    void schemaValidationRejectsWhatComposeWouldReject() {
        JsonNode broken = compose.deepCopy();
        ((ObjectNode) broken.path("services").path("proxy")).put("restart_policy", "always");
        ((ObjectNode) broken.at("/services/keycloak/depends_on/postgres")).put("condition", "service_ready");

        Set<ValidationMessage> violations = schema.validate(broken);

        assertThat(violations)
                .extracting(ValidationMessage::getMessage)
                .anySatisfy(message -> assertThat(message).contains("restart_policy"))
                .anySatisfy(message -> assertThat(message).contains("condition"));
    }

    @Test
    void runsTheWholeHeraldStack() {
        assertThat(fieldNames(compose.path("services")))
                .contains("postgres", "kafka", "keycloak", "notes-service", "sse-gateway", "proxy");
        assertThat(compose.at("/services/kafka/environment/KAFKA_PROCESS_ROLES").asText())
                .isEqualTo("broker,controller");
        assertThat(compose.at("/services/kafka/image").asText()).startsWith("apache/kafka:");
        assertThat(compose.at("/services/keycloak/command").toString()).contains("--import-realm");
    }

    @Test
    void runsTwoReplicasOfEachHeraldService() {
        assertThat(compose.at("/services/notes-service/deploy/replicas").asInt())
                .isEqualTo(2);
        assertThat(compose.at("/services/sse-gateway/deploy/replicas").asInt()).isEqualTo(2);
        // replicas cannot share a published host port: only the proxy publishes ports
        assertThat(compose.at("/services/notes-service/ports").isMissingNode()).isTrue();
        assertThat(compose.at("/services/sse-gateway/ports").isMissingNode()).isTrue();
    }

    @Test
    void bothServicesAreBuiltByTheOneDockerfileOnJava25() throws IOException {
        List<String> built = new ArrayList<>();
        List<Path> dockerfiles = new ArrayList<>();
        for (Map.Entry<String, JsonNode> service : entries(compose.path("services"))) {
            JsonNode build = service.getValue().path("build");
            if (build.isMissingNode()) {
                continue;
            }
            Path context = ROOT.resolve(
                    build.isTextual() ? build.asText() : build.path("context").asText("."));
            Path dockerfile = context.resolve(build.path("dockerfile").asText("Dockerfile"))
                    .normalize();
            assertThat(dockerfile).as("Dockerfile of %s", service.getKey()).isRegularFile();
            String text = Files.readString(dockerfile);
            assertThat(text)
                    .as("%s builds and runs on Java 25", dockerfile)
                    .contains("FROM eclipse-temurin:25-jdk AS build")
                    .contains("FROM eclipse-temurin:25-jre");
            assertThat(build.at("/args/SERVICE").asText())
                    .as("the SERVICE build argument of %s", service.getKey())
                    .isEqualTo(service.getKey());
            assertThat(text)
                    .as("%s builds the module SERVICE names, and copies its jar by its fixed name", dockerfile)
                    .contains("ARG SERVICE")
                    .contains("-pl \"$SERVICE\" -am package")
                    .contains("cp \"$SERVICE/target/$SERVICE.jar\" /app/app.jar");
            dockerfiles.add(dockerfile);
            // start-up: a training run records the JVM's AOT cache at build time, on the extracted layout (no launcher)
            assertThat(text)
                    .as("%s trains and uses an AOT cache", dockerfile)
                    .contains("extract --layers --destination extracted")
                    .doesNotContain("--launcher")
                    .contains("-XX:AOTCacheOutput=app.aot -Dspring.context.exit=onRefresh -jar app.jar")
                    .contains("ENTRYPOINT [\"java\", \"-XX:AOTCache=app.aot\", \"-jar\", \"app.jar\"]");
            assertThat(text.indexOf("AOTCacheOutput"))
                    .as("%s: the training run sees the runtime's JAVA_TOOL_OPTIONS", dockerfile)
                    .isGreaterThan(text.indexOf("ENV JAVA_TOOL_OPTIONS"));
            built.add(service.getKey());
        }
        assertThat(built).containsExactlyInAnyOrder("notes-service", "sse-gateway");
        assertThat(dockerfiles)
                .as("one Dockerfile for both")
                .containsOnly(ROOT.resolve("Dockerfile").normalize());
        assertThat(ROOT.resolve(".dockerignore")).content().contains("**/target/");
    }

    @Test
    void servicesListenWhereTheirApplicationConfigurationSays() throws IOException {
        String caddyfile = Files.readString(ROOT.resolve("deploy/caddy/Caddyfile"));
        for (Map.Entry<String, Integer> app : APP_PORTS.entrySet()) {
            String name = app.getKey();
            int configured = applicationYml(name).at("/server/port").asInt();
            assertThat(configured).as("server.port in %s/application.yml", name).isEqualTo(app.getValue());

            JsonNode service = compose.path("services").path(name);
            assertThat(service.at("/environment/SERVER_PORT").asInt())
                    .as("%s SERVER_PORT", name)
                    .isEqualTo(configured);
            assertThat(service.path("expose").toString()).as("%s expose", name).contains(String.valueOf(configured));
            assertThat(service.at("/healthcheck/test").toString())
                    .as("%s health check", name)
                    .contains("/dev/tcp/127.0.0.1/" + configured)
                    .contains("/actuator/health");
            assertThat(caddyfile)
                    .as("the proxy's upstream for %s", name)
                    .containsAnyOf("dynamic a " + name + " " + configured, "herald-" + name + "-1:" + configured);
        }
    }

    @Test
    void environmentNamesBindToPropertiesInTheConfigurationMetadata() throws IOException {
        List<String> unbound = new ArrayList<>();
        for (String name : APP_PORTS.keySet()) {
            PropertyNames properties = PropertyNames.of(ROOT, name);
            Map<String, List<String>> variables = new LinkedHashMap<>();
            variables.put(
                    "docker-compose.yml",
                    fieldNames(compose.path("services").path(name).path("environment")));
            variables.putAll(kubernetesEnvironment(name));
            variables.forEach((file, names) -> names.stream()
                    .filter(variable -> !variable.equals("JAVA_TOOL_OPTIONS"))
                    .filter(variable -> properties.bind(variable).isEmpty())
                    .forEach(variable -> unbound.add(file + " (" + name + "): " + variable)));
            assertThat(variables.keySet())
                    .as("%s's environment in compose and Kubernetes", name)
                    .hasSizeGreaterThan(1);
        }
        assertThat(unbound)
                .as("environment variables that bind to no property in the configuration metadata of the service or of"
                        + " Spring Boot")
                .isEmpty();
    }

    @Test
    void environmentNamesBindAsSpringBootBindsThem() throws IOException {
        PropertyNames gateway = PropertyNames.of(ROOT, "sse-gateway");
        assertThat(gateway.bind("HERALD_GATEWAY_MAX_CONNECTIONS")).contains("herald.gateway.max-connections");
        assertThat(gateway.bind("HERALD_GATEWAY_MAXCONNECTIONS")).contains("herald.gateway.max-connections");
        assertThat(gateway.bind("HERALD_GATEWAY_DASHBOARD_NOTES_URL")).contains("herald.gateway.dashboard.notes-url");
        assertThat(gateway.bind("SPRING_KAFKA_BOOTSTRAP_SERVERS")).contains("spring.kafka.bootstrap-servers");
        assertThat(gateway.bind("MANAGEMENT_ENDPOINT_HEALTH_GROUP_READINESS_INCLUDE"))
                .contains("management.endpoint.health.group");
        // words split in the wrong places, a word missing, a property of the other service: nothing binds
        assertThat(gateway.bind("HERALD_GATEWAYMAX_CONNECTIONS")).isEmpty();
        assertThat(gateway.bind("HERALD_GATEWAY_MAX_CONNECTION")).isEmpty();
        assertThat(gateway.bind("HERALD_GATEWAY_DASHBOARD_NOTES")).isEmpty();
        assertThat(gateway.bind("HERALD_OUTBOX_RELAY_BATCH_SIZE")).isEmpty();
        assertThat(PropertyNames.of(ROOT, "notes-service").bind("HERALD_OUTBOX_RELAY_BATCH_SIZE"))
                .contains("herald.outbox.relay.batch-size");
    }

    @Test
    void servicesValidateTokensFromKeycloakAtThePublicIssuerAddress() {
        for (String name : APP_PORTS.keySet()) {
            JsonNode environment = compose.path("services").path(name).path("environment");
            assertThat(environment
                            .path("SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_ISSUER_URI")
                            .asText())
                    .isEqualTo("https://${HERALD_HOST:-localhost}:8443/realms/herald");
            assertThat(environment
                            .path("SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_JWK_SET_URI")
                            .asText())
                    .isEqualTo("http://keycloak:8080/realms/herald/protocol/openid-connect/certs");
        }
        assertThat(compose.at("/services/keycloak/environment/KC_HOSTNAME").asText())
                .isEqualTo("https://${HERALD_HOST:-localhost}:8443");
    }

    @Test
    void everyServiceIsHealthCheckedAndStartsAfterItsDependenciesAreHealthy() {
        JsonNode services = compose.path("services");
        for (Map.Entry<String, JsonNode> service : entries(services)) {
            assertThat(service.getValue().at("/healthcheck/test").isMissingNode())
                    .as("%s has a health check", service.getKey())
                    .isFalse();
            for (Map.Entry<String, JsonNode> dependency :
                    entries(service.getValue().path("depends_on"))) {
                assertThat(services.has(dependency.getKey()))
                        .as("%s depends on a defined service", service.getKey())
                        .isTrue();
                assertThat(dependency.getValue().path("condition").asText())
                        .as("%s waits for %s", service.getKey(), dependency.getKey())
                        .isEqualTo("service_healthy");
            }
        }
        assertThat(fieldNames(services.at("/notes-service/depends_on"))).contains("postgres", "kafka", "keycloak");
        assertThat(fieldNames(services.at("/sse-gateway/depends_on"))).contains("kafka", "keycloak", "notes-service");
        assertThat(fieldNames(services.at("/proxy/depends_on"))).contains("notes-service", "sse-gateway", "keycloak");
    }

    @Test
    void proxyStreamsEventsWithoutBufferingOverHttp2() throws IOException {
        String caddyfile = Files.readString(ROOT.resolve("deploy/caddy/Caddyfile"));
        Matcher events = Pattern.compile("handle @events \\{(.*?)\\n\\t}", Pattern.DOTALL)
                .matcher(caddyfile);
        assertThat(events.find()).as("an /events route").isTrue();
        assertThat(events.group(1))
                .contains("flush_interval -1")
                .contains("read_timeout 1h")
                .contains("write_timeout 1h");
        assertThat(caddyfile).contains("@events path /events /events/*");
        // TLS on 443 (HTTP/2, and HTTP/3 over UDP)
        assertThat(compose.at("/services/proxy/ports").toString())
                .contains("443:443")
                .contains("443:443/udp");
        assertThat(compose.at("/services/proxy/image").asText()).startsWith("caddy:2");
    }

    @Test
    void keycloakRealmHasAPkceClientForTheDashboardAndTheDemoImportHasTheDemoUsers() throws IOException {
        JsonNode realm =
                JSON.readTree(ROOT.resolve("deploy/keycloak/herald-realm.json").toFile());
        assertThat(realm.path("realm").asText()).isEqualTo("herald");
        JsonNode demo = JSON.readTree(
                ROOT.resolve("deploy/keycloak/demo/herald-users-0.json").toFile());
        assertThat(demo.path("realm").asText()).isEqualTo("herald");
        Map<String, String> roleOf = new java.util.HashMap<>();
        for (JsonNode user : demo.path("users")) {
            roleOf.put(
                    user.path("username").asText(),
                    user.path("realmRoles").path(0).asText());
        }
        assertThat(roleOf)
                .containsEntry("alice", "user")
                .containsEntry("bob", "user")
                .containsEntry("admin", "admin");

        JsonNode dashboard = null;
        for (JsonNode client : realm.path("clients")) {
            if (client.path("clientId").asText().equals("herald-dashboard")) {
                dashboard = client;
            }
        }
        assertThat(dashboard).as("client herald-dashboard").isNotNull();
        assertThat(dashboard.path("publicClient").asBoolean()).isTrue();
        assertThat(dashboard.path("standardFlowEnabled").asBoolean()).isTrue();
        assertThat(dashboard.path("implicitFlowEnabled").asBoolean()).isFalse();
        assertThat(dashboard.at("/attributes/pkce.code.challenge.method").asText())
                .isEqualTo("S256");
        assertThat(dashboard.path("protocolMappers").toString())
                .contains("\"oidc-audience-mapper\"")
                .contains("\"included.custom.audience\":\"herald\"")
                .contains("\"oidc-usermodel-realm-role-mapper\"")
                .contains("\"claim.name\":\"roles\"");
        assertThat(compose.at("/services/keycloak/volumes").toString()).contains("./deploy/keycloak/herald-realm.json");
    }

    @Test
    void refusesToStartWithoutItsSecrets() {
        List<String> secrets = new ArrayList<>();
        for (Map.Entry<String, JsonNode> service : entries(compose.path("services"))) {
            for (Map.Entry<String, JsonNode> variable :
                    entries(service.getValue().path("environment"))) {
                if (!variable.getKey().matches(".*(PASSWORD|SECRET).*")) {
                    continue;
                }
                // ${NAME:?message}: Compose stops with the message while NAME is unset or empty; no default
                Matcher required = Pattern.compile("\\$\\{([A-Z0-9_]+):\\?[^}]+}")
                        .matcher(variable.getValue().asText());
                assertThat(required.matches())
                        .as(
                                "%s %s must be a required variable, not a value or a default: %s",
                                service.getKey(),
                                variable.getKey(),
                                variable.getValue().asText())
                        .isTrue();
                secrets.add(required.group(1));
            }
        }
        assertThat(secrets)
                .contains(
                        "POSTGRES_PASSWORD",
                        "HERALD_DB_OWNER_PASSWORD",
                        "HERALD_DB_APP_PASSWORD",
                        "KEYCLOAK_DB_PASSWORD",
                        "KEYCLOAK_ADMIN_PASSWORD");
        assertThat(compose.toString())
                .as("no default secret anywhere")
                .doesNotContain("change-me")
                .doesNotContainPattern("PASSWORD:-");
    }

    @Test
    void theDemoEnvFileSetsEverySecretAndTheExampleNamesThem() throws IOException {
        Set<String> required = new HashSet<>();
        Matcher variable =
                Pattern.compile("\\$\\{([A-Z0-9_]+):\\?").matcher(Files.readString(ROOT.resolve("docker-compose.yml")));
        while (variable.find()) {
            required.add(variable.group(1));
        }
        assertThat(required).isNotEmpty();
        Map<String, String> demo = envFile(ROOT.resolve("deploy/demo.env"));
        Map<String, String> example = envFile(ROOT.resolve(".env.example"));
        for (String name : required) {
            assertThat(demo.get(name))
                    .as("%s in deploy/demo.env", name)
                    .isNotBlank()
                    .startsWith("demo-");
            assertThat(example).as(".env.example names %s", name).containsKey(name);
            assertThat(example.get(name))
                    .as(".env.example leaves %s for the operator to set", name)
                    .isEmpty();
        }
        assertThat(Files.readString(ROOT.resolve(".gitignore")).lines())
                .as("a real .env is never committed")
                .contains(".env");
    }

    @Test
    void demoUsersComeOnlyWithTheDemoOverride() throws IOException {
        JsonNode realm =
                JSON.readTree(ROOT.resolve("deploy/keycloak/herald-realm.json").toFile());
        assertThat(realm.has("users")).as("the realm file has no users").isFalse();

        JsonNode demoCompose = yaml(ROOT.resolve("docker-compose.demo.yml"));
        JsonNode merged = compose.deepCopy();
        ((ObjectNode) merged.path("services").path("keycloak"))
                .set("volumes", demoCompose.at("/services/keycloak/volumes"));
        assertThat(schema.validate(merged))
                .as("the demo override is valid Compose")
                .isEmpty();
        assertThat(demoCompose.at("/services/keycloak/volumes").toString())
                .contains("./deploy/keycloak/demo/herald-users-0.json:/opt/keycloak/data/import/herald-users-0.json");
        assertThat(compose.at("/services/keycloak/volumes").toString()).doesNotContain("herald-users");

        int minimumLength = Integer.parseInt(policy(realm, "length"));
        for (JsonNode user : JSON.readTree(
                        ROOT.resolve("deploy/keycloak/demo/herald-users-0.json").toFile())
                .path("users")) {
            String password = user.at("/credentials/0/value").asText();
            assertThat(password.length())
                    .as(
                            "%s's demo password meets the realm's policy",
                            user.path("username").asText())
                    .isGreaterThanOrEqualTo(minimumLength);
            assertThat(password).isNotEqualTo(user.path("username").asText());
        }
    }

    @Test
    void keycloakRealmLocksOutPasswordGuessersAndHasAPasswordPolicy() throws IOException {
        JsonNode realm =
                JSON.readTree(ROOT.resolve("deploy/keycloak/herald-realm.json").toFile());
        assertThat(realm.path("bruteForceProtected").asBoolean()).isTrue();
        assertThat(realm.path("failureFactor").asInt()).isBetween(1, 10);
        assertThat(realm.path("waitIncrementSeconds").asInt()).isPositive();
        assertThat(Integer.parseInt(policy(realm, "length"))).isGreaterThanOrEqualTo(12);
        assertThat(realm.path("passwordPolicy").asText())
                .contains("notUsername")
                .contains("passwordHistory");
        assertThat(realm.path("registrationAllowed").asBoolean()).isFalse();
    }

    @Test
    void proxyHealthChecksGatewaysOnTheirDrainAwareReadiness() throws IOException {
        String caddyfile = Files.readString(ROOT.resolve("deploy/caddy/Caddyfile"));
        Matcher snippet =
                Pattern.compile("\\(gateways\\) \\{(.*?)\\n}", Pattern.DOTALL).matcher(caddyfile);
        assertThat(snippet.find()).as("a (gateways) snippet").isTrue();
        String gateways = snippet.group(1);
        assertThat(gateways)
                .contains("health_uri /actuator/health/readiness")
                .contains("health_interval")
                .contains("unhealthy_status 503")
                .contains("fail_duration");
        // Caddy checks only static upstreams: every replica by its container name, <project>-sse-gateway-<n>
        int replicas = compose.at("/services/sse-gateway/deploy/replicas").asInt();
        Matcher upstreams = Pattern.compile("\\bto ((?:\\S+:8081 ?)+)").matcher(gateways);
        assertThat(upstreams.find()).isTrue();
        List<String> listed = List.of(upstreams.group(1).trim().split(" "));
        assertThat(listed.size()).as("upstreams for the replicas").isGreaterThanOrEqualTo(replicas);
        for (int n = 1; n <= listed.size(); n++) {
            assertThat(listed).contains(compose.path("name").asText() + "-sse-gateway-" + n + ":8081");
        }
        // both routes to the gateways (streams and the dashboard) use it, and no DNS upstreams for them remain
        assertThat(Pattern.compile("import gateways")
                        .matcher(caddyfile)
                        .results()
                        .count())
                .isEqualTo(2);
        assertThat(caddyfile).doesNotContain("dynamic a sse-gateway");

        // the readiness group follows the streams contributor (out of service while starting and draining)
        JsonNode gateway = compose.path("services").path("sse-gateway");
        assertThat(gateway.at("/environment/MANAGEMENT_ENDPOINT_HEALTH_GROUP_READINESS_INCLUDE")
                        .asText()
                        .split(","))
                .containsExactlyInAnyOrder("readinessState", "streams");
        assertThat(gateway.at("/healthcheck/test").toString()).contains("/actuator/health/readiness");
    }

    @Test
    void gatewaysGetTimeToDrainBeforeTheyAreKilled() {
        JsonNode gateway = compose.path("services").path("sse-gateway");
        long window =
                seconds(gateway.at("/environment/HERALD_GATEWAY_DRAIN_WINDOW").asText());
        long grace = seconds(gateway.path("stop_grace_period").asText());
        // the drain waits up to window + 2 s for the last streams, then the server and the consumer stop
        assertThat(grace)
                .as("stop_grace_period vs drain window + 2 s + margin")
                .isGreaterThanOrEqualTo(window + 2 + 10);
    }

    @Test
    void proxyKeepsAdminTheMasterRealmAndActuatorInside() throws IOException {
        String caddyfile = Files.readString(ROOT.resolve("deploy/caddy/Caddyfile"));
        String main = site(caddyfile, "{$HERALD_HOST:localhost} {");
        String keycloak = site(caddyfile, "{$HERALD_HOST:localhost}:8443 {");

        assertThat(main)
                .contains("@internal path /actuator /actuator/*")
                .containsPattern("handle @internal \\{\\s*respond 404\\s*}");
        assertThat(keycloak)
                .containsPattern("@blocked path [^\\n]*/admin /admin/\\*")
                .containsPattern("@blocked path [^\\n]*/realms/master /realms/master/\\*")
                .contains("respond @blocked 404");
        // Caddy runs respond before reverse_proxy whatever their order; the block still sits first
        assertThat(keycloak.indexOf("respond @blocked")).isLessThan(keycloak.indexOf("reverse_proxy"));
        // in the main site the catch-all handle would take /actuator too: the block is the first handle
        assertThat(main.indexOf("handle @internal"))
                .isLessThan(main.indexOf("handle @events"))
                .isLessThan(main.indexOf("\n\thandle {"));
        // only the proxy publishes ports; Keycloak's management port (9000) is not proxied
        assertThat(caddyfile).doesNotContain("keycloak:9000");
    }

    @Test
    void eachServiceHasItsOwnLeastPrivilegeDatabaseRole() throws IOException {
        JsonNode services = compose.path("services");
        String superuser = services.at("/postgres/environment/POSTGRES_USER").asText();
        String app = services.at("/notes-service/environment/SPRING_DATASOURCE_USERNAME")
                .asText();
        String owner =
                services.at("/notes-service/environment/SPRING_FLYWAY_USER").asText();
        String keycloak = services.at("/keycloak/environment/KC_DB_USERNAME").asText();
        assertThat(List.of(app, owner, keycloak)).doesNotHaveDuplicates().doesNotContain(superuser, "postgres");
        assertThat(services.at("/keycloak/environment/KC_DB_URL").asText()).endsWith("/keycloak");
        assertThat(services.at("/notes-service/environment/SPRING_DATASOURCE_URL")
                        .asText())
                .endsWith("/herald");
        // notes-service and Keycloak use different passwords, and neither is the superuser's
        assertThat(List.of(
                        services.at("/notes-service/environment/SPRING_DATASOURCE_PASSWORD")
                                .asText(),
                        services.at("/notes-service/environment/SPRING_FLYWAY_PASSWORD")
                                .asText(),
                        services.at("/keycloak/environment/KC_DB_PASSWORD").asText(),
                        services.at("/postgres/environment/POSTGRES_PASSWORD").asText()))
                .doesNotHaveDuplicates();

        String init = String.join(
                "\n",
                Files.readAllLines(ROOT.resolve("deploy/postgres/init-databases.sh")).stream()
                        .filter(line -> !line.startsWith("#"))
                        .toList()); // the script's statements, not its comments
        assertThat(compose.at("/services/postgres/volumes").toString()).contains("./deploy/postgres/init-databases.sh");
        for (String role : List.of(app, owner, keycloak)) {
            assertThat(init).containsPattern("CREATE ROLE " + role + " LOGIN PASSWORD :'\\w+';");
        }
        assertThat(init)
                .doesNotContainPattern("(?i)\\b(SUPERUSER|CREATEROLE|CREATEDB|BYPASSRLS)\\b")
                .contains("CREATE DATABASE herald OWNER " + owner + ";")
                .contains("CREATE DATABASE keycloak OWNER " + keycloak + ";")
                .contains("GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO " + app + ";")
                .contains("REVOKE CREATE ON SCHEMA public FROM PUBLIC;");
        assertThat(init)
                .as("the application role gets no DDL")
                .doesNotContainPattern("GRANT (ALL|CREATE)[^;]*TO " + app);
    }

    // --- helpers ---

    /** The block of one site of a Caddyfile: from its address line to its closing brace at the line start. */
    private static String site(String caddyfile, String header) {
        int start = caddyfile.indexOf("\n" + header);
        assertThat(start).as("site %s", header).isNotNegative();
        int end = caddyfile.indexOf("\n}", start + 1);
        return caddyfile.substring(start, end);
    }

    /** One rule of the realm's password policy, e.g. {@code length(12)} gives "12" for "length". */
    private static String policy(JsonNode realm, String rule) {
        Matcher m = Pattern.compile("\\b" + rule + "\\((\\d+)\\)")
                .matcher(realm.path("passwordPolicy").asText());
        assertThat(m.find()).as("%s in the password policy", rule).isTrue();
        return m.group(1);
    }

    private static long seconds(String value) {
        Matcher m = Pattern.compile("(\\d+)(s|m)").matcher(value);
        assertThat(m.matches()).as("a duration in s or m: %s", value).isTrue();
        return Long.parseLong(m.group(1)) * (m.group(2).equals("m") ? 60 : 1);
    }

    private static Map<String, String> envFile(Path file) throws IOException {
        Map<String, String> values = new java.util.HashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int eq = line.indexOf('=');
                values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        return values;
    }

    /**
     * The environment variable names the Kubernetes manifests give a service: the data of its ConfigMaps and the
     * {@code env} of its Deployment's containers, by file.
     */
    private static Map<String, List<String>> kubernetesEnvironment(String service) throws IOException {
        Map<String, List<String>> names = new LinkedHashMap<>();
        List<Path> manifests;
        try (var files = Files.walk(ROOT.resolve("deploy/kubernetes"))) {
            manifests = files.filter(file -> file.toString().endsWith(".yaml"))
                    .sorted()
                    .toList();
        }
        for (Path manifest : manifests) {
            List<String> found = new ArrayList<>();
            try (InputStream in = Files.newInputStream(manifest)) {
                for (Object document : new Yaml().loadAll(in)) {
                    JsonNode object = JSON.valueToTree(document);
                    if (object == null || !object.at("/metadata/name").asText().equals(service)) {
                        continue;
                    }
                    switch (object.path("kind").asText()) {
                        case "ConfigMap" -> found.addAll(fieldNames(object.path("data")));
                        case "Deployment" -> {
                            for (JsonNode container : object.at("/spec/template/spec/containers")) {
                                container
                                        .path("env")
                                        .forEach(env ->
                                                found.add(env.path("name").asText()));
                            }
                        }
                        default -> {}
                    }
                }
            }
            if (!found.isEmpty()) {
                names.put(ROOT.relativize(manifest).toString(), found);
            }
        }
        return names;
    }

    private static JsonNode applicationYml(String module) throws IOException {
        return yaml(ROOT.resolve(module).resolve("src/main/resources/application.yml"));
    }

    private static JsonNode yaml(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            Object document = new Yaml().load(in); // resolves anchors and merge keys as Compose does
            return JSON.valueToTree(document);
        }
    }

    private static List<Map.Entry<String, JsonNode>> entries(JsonNode node) {
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        fields.forEachRemaining(entries::add);
        return entries;
    }

    private static List<String> fieldNames(JsonNode node) {
        return entries(node).stream().map(Map.Entry::getKey).toList();
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("docker-compose.yml"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException(
                    "docker-compose.yml not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
