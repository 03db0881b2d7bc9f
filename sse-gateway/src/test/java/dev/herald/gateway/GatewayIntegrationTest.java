package dev.herald.gateway;

import static org.awaitility.Awaitility.await;

import dev.herald.contracts.ServiceEventCodec;
import dev.herald.contracts.Topics;
import dev.herald.gateway.fanout.GatewayMetrics;
import dev.herald.gateway.fanout.Hub;
import dev.herald.testsupport.HeraldIssuer;
import dev.herald.testsupport.HeraldKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The one fixture of the gateway's integration tests: a gateway on a random port, reading the real
 * topic of the JVM's KRaft broker, checking tokens of the JVM's OIDC issuer. Heartbeats are fast here
 * so tests see them. Test classes that share these properties share one running gateway.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "herald.gateway.heartbeat=400ms",
            "herald.gateway.tick=100ms",
            "herald.gateway.kafka.partition-refresh=1s",
            "herald.gateway.session.secure=false",
            "herald.gateway.resume.checkpoint-interval=300ms",
            "herald.gateway.drain.window=200ms",
            "herald.gateway.flow.slow-grace=5s"
        })
public abstract class GatewayIntegrationTest {

    static {
        HeraldKafka.ensureTopic(Topics.NOTES_EVENTS, 3);
    }

    @DynamicPropertySource
    static void infrastructure(DynamicPropertyRegistry registry) {
        registry.add("spring.kafka.bootstrap-servers", HeraldKafka::bootstrapServers);
        registry.add("spring.security.oauth2.resourceserver.jwt.issuer-uri", HeraldIssuer::issuerUri);
    }

    @LocalServerPort
    protected int port;

    @Autowired
    protected Hub hub;

    @Autowired
    protected GatewayMetrics metrics;

    @BeforeEach
    void gatewayReadsTheTopic() {
        await().atMost(Duration.ofSeconds(30)).until(hub::isReady);
    }

    /** A user name no other test uses (tests share the topic). */
    protected static String unique(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Opens a stream and waits for its connected frame. */
    protected SseTestClient connect(String token) {
        return connect(token, "/events");
    }

    protected SseTestClient connect(String token, String path) {
        SseTestClient client = SseTestClient.get(port, path, SseTestClient.bearer(token));
        awaitConnected(client);
        return client;
    }

    protected static void awaitConnected(SseTestClient client) {
        await().atMost(Duration.ofSeconds(10))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(2))
                .until(() -> !client.events().isEmpty() || client.ended());
    }

    protected Map<String, String> bearer(String token) {
        return SseTestClient.bearer(token);
    }

    /** Opens a stream that resumes from {@code lastEventId} (the header a browser sends) and waits for its first frame. */
    protected SseTestClient resume(String token, String lastEventId) {
        return resume(port, token, "/events", lastEventId);
    }

    protected static SseTestClient resume(int port, String token, String path, String lastEventId) {
        SseTestClient client =
                SseTestClient.get(port, path, Map.of("Authorization", "Bearer " + token, "Last-Event-ID", lastEventId));
        awaitConnected(client);
        return client;
    }

    private static final ServiceEventCodec CODEC = new ServiceEventCodec();

    /** The ServiceEvent ids of a stream's note events, in the order received. */
    protected static List<UUID> eventIds(SseTestClient client) {
        return eventIds(client.events());
    }

    protected static List<UUID> eventIds(List<SseTestClient.Event> events) {
        return events.stream()
                .filter(event -> event.name().startsWith("notes:"))
                .map(event -> CODEC.decode(event.data().getBytes(StandardCharsets.UTF_8))
                        .id())
                .toList();
    }
}
