package dev.herald.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Action;
import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.ServiceEventCodec;
import dev.herald.gateway.SecondInstance;
import dev.herald.gateway.SseTestClient;
import dev.herald.gateway.TestEvents;
import dev.herald.gateway.fanout.ResumeSource;
import dev.herald.testsupport.HeraldIssuer;
import dev.herald.testsupport.KafkaBrokerProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * A cluster whose client listener requires SASL/PLAIN: the gateway logs in with nothing but Boot's standard
 * {@code spring.kafka.*} properties, for its live consumer and for its replay readers alike; with a wrong
 * password it gets nothing and its {@code consumer} health says why.
 */
class SaslKafkaIT {

    private static final String USER = "herald-gateway";
    private static final String PASSWORD = "gateway-secret";
    private static final ServiceEventCodec CODEC = new ServiceEventCodec();
    private static KafkaBrokerProcess broker;

    @BeforeAll
    static void brokerWithSaslListener() throws Exception {
        broker = KafkaBrokerProcess.startWithSaslPlain(Map.of(USER, PASSWORD));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    @Test
    void readsTheTopicAndResumesFromKafkaLoggedInWithSpringKafkaProperties() throws Exception {
        String topic = createTopic();
        String user = "sasl-" + UUID.randomUUID().toString().substring(0, 8);
        String token = HeraldIssuer.token(user, "user");
        try (SecondInstance gateway = SecondInstance.start(saslSettings(
                        topic, PASSWORD, "herald.gateway.resume.ring-size=16", "herald.gateway.resume.fill=false"));
                KafkaProducer<byte[], byte[]> producer = producer()) {
            String lastId;
            try (SseTestClient live = open(gateway.port(), token, Map.of())) {
                ServiceEvent first = send(producer, topic, user);
                await().atMost(Duration.ofSeconds(30)).until(() -> noteIds(live).contains(first.id()));
                lastId = live.lastId();
            }

            List<UUID> missed = new ArrayList<>();
            for (int i = 0; i < 24; i++) { // more than the ring holds (16): the resume is read from Kafka
                missed.add(send(producer, topic, user).id());
            }
            double fromKafka = gateway.metrics().resumes(ResumeSource.KAFKA);
            try (SseTestClient resumed = open(gateway.port(), token, Map.of("Last-Event-ID", lastId))) {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> noteIds(resumed).size() >= missed.size());
                assertThat(noteIds(resumed)).containsExactlyInAnyOrderElementsOf(missed);
                assertThat(resumed.named("reset")).isEmpty();
                // counted when the stream goes live, right after its last replayed frame
                await("the resume counted as served by a replay reader")
                        .atMost(Duration.ofSeconds(10))
                        .until(() -> gateway.metrics().resumes(ResumeSource.KAFKA) > fromKafka);
            }
        }
    }

    @Test
    void aWrongPasswordGetsNoEventsAndTheConsumerIsDown() throws Exception {
        String topic = createTopic();
        try (SecondInstance gateway = SecondInstance.launch(saslSettings(topic, "not-the-" + PASSWORD));
                KafkaProducer<byte[], byte[]> producer = producer()) {
            NotesEventConsumer consumer = gateway.bean(NotesEventConsumer.class);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> consumer.health().getStatus().equals(Status.DOWN));
            Health health = consumer.health();
            assertThat(health.getDetails().get("reason")).asString().contains("SaslAuthenticationException");

            send(producer, topic, "sasl-nobody");
            await("the instance never admits streams")
                    .during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> !gateway.hub().isReady());
            assertThat(consumer.kafkaHealth().getDetails().get("lastPollMillisAgo"))
                    .as("never polled")
                    .isEqualTo(-1L);
        }
    }

    /** Only Boot's standard properties: bootstrap servers, security protocol and the client's SASL settings. */
    private static String[] saslSettings(String topic, String password, String... more) {
        List<String> settings = new ArrayList<>(List.of(
                "spring.kafka.bootstrap-servers=" + broker.saslBootstrapServers(),
                "spring.kafka.security.protocol=SASL_PLAINTEXT",
                "spring.kafka.properties.sasl.mechanism=PLAIN",
                "spring.kafka.properties.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule"
                        + " required username=\"" + USER + "\" password=\"" + password + "\";",
                "herald.gateway.kafka.topic=" + topic));
        settings.addAll(List.of(more));
        return settings.toArray(String[]::new);
    }

    private static SseTestClient open(int port, String token, Map<String, String> headers) {
        Map<String, String> request = new java.util.HashMap<>(SseTestClient.bearer(token));
        request.putAll(headers);
        SseTestClient stream = SseTestClient.get(port, "/events", request);
        await().atMost(Duration.ofSeconds(10)).until(() -> !stream.events().isEmpty() || stream.ended());
        assertThat(stream.status()).isEqualTo(200);
        return stream;
    }

    private static List<UUID> noteIds(SseTestClient stream) {
        return stream.events().stream()
                .filter(event -> event.name().startsWith("notes:"))
                .map(event -> CODEC.decode(event.data().getBytes(StandardCharsets.UTF_8))
                        .id())
                .toList();
    }

    private static ServiceEvent send(KafkaProducer<byte[], byte[]> producer, String topic, String owner)
            throws Exception {
        ServiceEvent event = TestEvents.note(owner, Action.CREATED, "over SASL");
        producer.send(TestEvents.record(topic, event)).get(30, TimeUnit.SECONDS);
        return event;
    }

    /** The test's own clients use the broker's open listener. */
    private static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class));
    }

    private static String createTopic() throws Exception {
        String topic = "sasl." + UUID.randomUUID();
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        return topic;
    }
}
