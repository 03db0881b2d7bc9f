package dev.herald.notes;

import dev.herald.testsupport.HeraldIssuer;
import dev.herald.testsupport.HeraldKafka;
import dev.herald.testsupport.HeraldPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The test fixture: notes-service running on a random port against a fresh PostgreSQL database, the
 * shared Kafka broker (own topic and transactional id per instance) and the test OIDC issuer, plus a
 * small HTTP client. Each test class starts one in {@code @BeforeAll} and closes it in {@code @AfterAll}.
 */
public final class NotesApp implements AutoCloseable {

    private static final AtomicInteger INSTANCES = new AtomicInteger();
    public static final JsonMapper JSON = JsonMapper.builder().build();

    private final ConfigurableApplicationContext context;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final String base;
    private final String topic;
    private final String jdbcUrl;

    private NotesApp(ConfigurableApplicationContext context, String topic, String jdbcUrl) {
        this.context = context;
        this.topic = topic;
        this.jdbcUrl = jdbcUrl;
        this.base = "http://127.0.0.1:"
                + ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    public static NotesApp start(String name) {
        return start(name, Map.of());
    }

    /**
     * {@code overrides} win over the fixture's properties (e.g. another bootstrap server); {@code configurations}
     * add test beans to the application's own.
     */
    public static NotesApp start(String name, Map<String, String> overrides, Class<?>... configurations) {
        warmUpIssuer();
        int instance = INSTANCES.incrementAndGet();
        String topic = "notes.events." + name + "." + instance;
        String jdbcUrl = HeraldPostgres.newDatabase(name);
        Map<String, Object> properties = new HashMap<>();
        properties.put("server.port", "0");
        properties.put("spring.datasource.url", jdbcUrl);
        properties.put("spring.datasource.username", HeraldPostgres.USER);
        properties.put("spring.datasource.password", HeraldPostgres.PASSWORD);
        properties.put("spring.security.oauth2.resourceserver.jwt.issuer-uri", HeraldIssuer.issuerUri());
        properties.put("herald.outbox.topic.name", topic);
        properties.put("herald.outbox.relay.transactional-id", "herald-outbox-relay-" + name + "-" + instance);
        properties.put("herald.outbox.relay.lock-key", String.valueOf(instance));
        // tests that write hundreds of notes as one user are not about the write rate (ApiLimitsIT sets its own)
        properties.put("herald.notes.write-rate.per-second", "100000");
        properties.put("herald.notes.write-rate.burst", "100000");
        if (!overrides.containsKey("spring.kafka.bootstrap-servers")) {
            properties.put("spring.kafka.bootstrap-servers", HeraldKafka.bootstrapServers());
        }
        properties.putAll(overrides);
        String[] arguments = properties.entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        ConfigurableApplicationContext context = new SpringApplicationBuilder(NotesApplication.class)
                .sources(configurations)
                .run(arguments);
        return new NotesApp(context, topic, jdbcUrl);
    }

    /** The first discovery request to a fresh issuer can be slow on a busy machine: make it here, not in a test. */
    private static void warmUpIssuer() {
        HttpClient client = HttpClient.newHttpClient();
        URI discovery = URI.create(HeraldIssuer.issuerUri() + "/.well-known/openid-configuration");
        for (int attempt = 0; ; attempt++) {
            try {
                client.send(
                        HttpRequest.newBuilder(discovery)
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                return;
            } catch (Exception e) {
                if (attempt == 3) {
                    throw new IllegalStateException("the test issuer does not answer", e);
                }
            }
        }
    }

    public String topic() {
        return topic;
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    public String baseUrl() {
        return base;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public ConfigurableApplicationContext context() {
        return context;
    }

    public JdbcTemplate jdbc() {
        return context.getBean(JdbcTemplate.class);
    }

    public long count(String table) {
        Long count = jdbc().queryForObject("select count(*) from " + table, Long.class);
        return count == null ? 0 : count;
    }

    // --- HTTP -----------------------------------------------------------------------------------

    public HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public HttpRequest.Builder request(String path, @Nullable String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request;
    }

    public HttpResponse<String> get(String path, @Nullable String token) {
        return send(request(path, token).GET());
    }

    public HttpResponse<String> post(String path, @Nullable String token, String json) {
        return send(request(path, token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    public HttpResponse<String> put(String path, @Nullable String token, String json) {
        return send(request(path, token)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    public HttpResponse<String> delete(String path, @Nullable String token) {
        return send(request(path, token).DELETE());
    }

    /** Creates a note through the API and returns its JSON. */
    public JsonNode createNote(String token, String title, String content) {
        HttpResponse<String> response = post("/notes", token, noteJson(title, content));
        if (response.statusCode() != 201) {
            throw new IllegalStateException("create failed: " + response.statusCode() + " " + response.body());
        }
        return json(response);
    }

    public static String noteJson(String title, String content) {
        return JSON.writeValueAsString(Map.of("title", title, "content", content));
    }

    public static JsonNode json(HttpResponse<String> response) {
        return JSON.readTree(response.body());
    }

    @Override
    public void close() {
        context.close();
    }
}
