package dev.herald.gateway.resume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Action;
import dev.herald.contracts.CloudEventHeaders;
import dev.herald.contracts.ServiceEvent;
import dev.herald.gateway.SecondInstance;
import dev.herald.gateway.SseTestClient;
import dev.herald.gateway.TestEvents;
import dev.herald.gateway.fanout.ResumeSource;
import dev.herald.testsupport.HeraldIssuer;
import dev.herald.testsupport.HeraldKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Kafka replays are fair: a user resuming from far back — a million records of other users between their
 * position and the end — never holds the one replay reader for long. Their resume goes in bounded chunks
 * (records scanned, time), each handing over an {@code id:}-only checkpoint when it held nothing for
 * them, and another user's resume from Kafka goes through between two of those chunks, long before the
 * first one's scan is over. At the end the first user gets their one event, once.
 *
 * <p>Positions are real ids: Alice's comes from an instance that read her first event before the million
 * records were written; Bob's from the instance under test, pushed out of its ring (16 events) by newer
 * events. The instance starts after the million records (no fill), so its live consumer never reads them.
 */
class ReplayFairnessIT {

    private static final int OTHER_RECORDS = 1_000_000;
    private static final Duration JOIN_BOUND = Duration.ofSeconds(3);

    @Test
    void aResumeBehindAMillionRecordsOfOthersHoldsTheReaderOnlyAChunkAtATime() {
        String topic = "fairness." + UUID.randomUUID();
        HeraldKafka.ensureTopic(topic, 3);
        String alice = "alice-" + UUID.randomUUID().toString().substring(0, 8);
        String bob = "bob-" + UUID.randomUUID().toString().substring(0, 8);
        String pusher = "pusher-" + UUID.randomUUID().toString().substring(0, 8);
        String aliceToken = HeraldIssuer.token(alice, "user");
        String bobToken = HeraldIssuer.token(bob, "user");
        String[] settings = {
            "herald.gateway.kafka.topic=" + topic,
            "herald.gateway.resume.fill=false",
            "herald.gateway.resume.replay-readers=1",
            "herald.gateway.resume.ring-size=16"
        };

        String alicePosition;
        try (SecondInstance before = SecondInstance.start(settings)) {
            alicePosition = lastIdAfterAnEvent(before.port(), aliceToken, topic, alice);
        }
        long writing = System.nanoTime();
        writeRecordsOfOtherOwners(topic, OTHER_RECORDS);
        System.out.printf(
                "ReplayFairnessIT: %,d records of other owners written in %d ms%n",
                OTHER_RECORDS, (System.nanoTime() - writing) / 1_000_000);
        ServiceEvent aliceLater = publish(topic, alice);

        try (SecondInstance gateway = SecondInstance.start(settings)) {
            String bobPosition = lastIdAfterAnEvent(gateway.port(), bobToken, topic, bob);
            ServiceEvent bobMissed = publish(topic, bob);
            pushOutOfTheRing(gateway.port(), topic, pusher);
            double fromKafka = gateway.metrics().resumes(ResumeSource.KAFKA);
            double resumedBefore = resumed(gateway);

            long aliceStart = System.nanoTime();
            try (SseTestClient aliceStream = resume(gateway.port(), aliceToken, alicePosition)) {
                await("Alice's scan hands over its first checkpoint")
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> !checkpoints(aliceStream).isEmpty() || aliceStream.ended());
                assertThat(aliceStream.eventsContaining(aliceLater.id().toString()))
                        .as("Alice's scan is under way, not over")
                        .isEmpty();

                long bobStart = System.nanoTime();
                ServiceEvent bobLive;
                try (SseTestClient bobStream = resume(gateway.port(), bobToken, bobPosition)) {
                    await("Bob's missed event, from Kafka, while Alice's scan runs")
                            .atMost(JOIN_BOUND)
                            .until(() -> !bobStream
                                    .eventsContaining(bobMissed.id().toString())
                                    .isEmpty());
                    bobLive = publish(topic, bob);
                    await("Bob's live event")
                            .atMost(JOIN_BOUND)
                            .until(() -> !bobStream
                                    .eventsContaining(bobLive.id().toString())
                                    .isEmpty());
                    long bobMillis = (System.nanoTime() - bobStart) / 1_000_000;
                    System.out.printf("ReplayFairnessIT: Bob resumed and went live in %d ms%n", bobMillis);
                    assertThat(Duration.ofMillis(bobMillis)).isLessThan(JOIN_BOUND.multipliedBy(2));
                    assertThat(bobStream.named("reset")).isEmpty();
                    assertThat(bobStream.eventsContaining(bobMissed.id().toString()))
                            .hasSize(1);
                    // counted as it joins the live stream, which may come a moment after its replayed frames went out
                    await("Bob's resume counted, from Kafka")
                            .atMost(JOIN_BOUND)
                            .until(() -> gateway.metrics().resumes(ResumeSource.KAFKA) - fromKafka >= 1);
                }
                assertThat(aliceStream.eventsContaining(aliceLater.id().toString()))
                        .as("Bob went through while Alice's scan was still running")
                        .isEmpty();
                List<String> duringBob = checkpoints(aliceStream);

                await("Alice's event behind the million records")
                        .atMost(Duration.ofSeconds(120))
                        .until(() -> !aliceStream
                                        .eventsContaining(aliceLater.id().toString())
                                        .isEmpty()
                                || aliceStream.ended());
                long aliceMillis = (System.nanoTime() - aliceStart) / 1_000_000;
                List<String> checkpoints = checkpoints(aliceStream);
                System.out.printf(
                        "ReplayFairnessIT: Alice's scan took %d ms, %d checkpoints (%d by the time Bob was live)%n",
                        aliceMillis, checkpoints.size(), duringBob.size());

                assertThat(aliceStream.ended()).isFalse();
                assertThat(aliceStream.named("reset")).isEmpty();
                assertThat(aliceStream.eventsContaining(aliceLater.id().toString()))
                        .as("exactly once")
                        .hasSize(1);
                assertThat(aliceStream.events().stream()
                                .filter(event -> event.name().startsWith("notes:")))
                        .as("nothing of other users")
                        .hasSize(1);
                assertThat(checkpoints).as("the scan went in several chunks").hasSizeGreaterThanOrEqualTo(2);
                assertMovesForward(topic, alicePosition, checkpoints);
                assertThat(ResumeIT.atOrPast(
                                ResumePosition.decode(topic, aliceStream.lastId()),
                                ResumePosition.decode(topic, checkpoints.getLast())))
                        .isTrue();

                ServiceEvent aliceLive = publish(topic, alice);
                await("Alice live")
                        .atMost(Duration.ofSeconds(10))
                        .until(() -> !aliceStream
                                .eventsContaining(aliceLive.id().toString())
                                .isEmpty());
                await("Alice's resume counted, from Kafka")
                        .atMost(JOIN_BOUND)
                        .until(() -> gateway.metrics().resumes(ResumeSource.KAFKA) - fromKafka >= 2);
            }
            String counts = String.format(
                    "resumes counted meanwhile: %.0f (kafka %.0f, memory %.0f, reset %.0f)",
                    resumed(gateway) - resumedBefore,
                    gateway.metrics().resumes(ResumeSource.KAFKA) - fromKafka,
                    gateway.metrics().resumes(ResumeSource.MEMORY),
                    gateway.metrics().resumes(ResumeSource.RESET));
            System.out.println("ReplayFairnessIT: " + counts);
            assertThat(resumed(gateway) - resumedBefore)
                    .as("both from Kafka, once each: " + counts)
                    .isEqualTo(2);
        }
    }

    private static double resumed(SecondInstance gateway) {
        double sum = 0;
        for (ResumeSource source : ResumeSource.values()) {
            sum += gateway.metrics().resumes(source);
        }
        return sum;
    }

    /** A stream's id after one event of its user, from a live stream: a real position. */
    private static String lastIdAfterAnEvent(int port, String token, String topic, String owner) {
        try (SseTestClient stream = SseTestClient.get(port, "/events", SseTestClient.bearer(token))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !stream.events().isEmpty());
            ServiceEvent event = publish(topic, owner);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !stream.eventsContaining(event.id().toString()).isEmpty());
            return stream.lastId();
        }
    }

    /** Newer events than the ring holds, read live (their owner's stream sees all of them): older positions go to Kafka. */
    private static void pushOutOfTheRing(int port, String topic, String owner) {
        try (SseTestClient stream =
                SseTestClient.get(port, "/events", SseTestClient.bearer(HeraldIssuer.token(owner, "user")))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !stream.events().isEmpty());
            List<ServiceEvent> events = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                events.add(publish(topic, owner));
            }
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !stream.eventsContaining(events.getLast().id().toString())
                            .isEmpty());
        }
    }

    private static SseTestClient resume(int port, String token, String lastEventId) {
        SseTestClient client = SseTestClient.get(
                port, "/events", Map.of("Authorization", "Bearer " + token, "Last-Event-ID", lastEventId));
        await().atMost(Duration.ofSeconds(10)).until(() -> !client.events().isEmpty() || client.ended());
        assertThat(client.status()).isEqualTo(200);
        return client;
    }

    private static ServiceEvent publish(String topic, String owner) {
        return TestEvents.publishTo(topic, TestEvents.note(owner, Action.CREATED, "hello"));
    }

    /** The ids of a stream's {@code id:}-only frames (position checkpoints), in order. */
    private static List<String> checkpoints(SseTestClient stream) {
        List<String> ids = new ArrayList<>();
        for (String frame : stream.raw().split("\n\n")) {
            String trimmed = frame.strip();
            if (trimmed.startsWith("id: ") && !trimmed.contains("\n")) {
                ids.add(trimmed.substring(4));
            }
        }
        return ids;
    }

    private static void assertMovesForward(String topic, String from, List<String> checkpoints) {
        ResumePosition previous = ResumePosition.decode(topic, from);
        for (String id : checkpoints) {
            ResumePosition position = ResumePosition.decode(topic, id);
            assertThat(ResumeIT.atOrPast(position, previous) && !position.equals(previous))
                    .as("checkpoint %s after %s", position, previous)
                    .isTrue();
            previous = position;
        }
    }

    /**
     * Small records other users own, with the headers notes-service's relay writes ({@code ce_owner},
     * {@code ce_type}) and a value that is not an event: a replay skips them by their headers alone.
     */
    private static void writeRecordsOfOtherOwners(String topic, int count) {
        AtomicReference<Exception> failure = new AtomicReference<>();
        byte[] type = TestEvents.note("x", Action.CREATED, "x").cloudEventType().getBytes(StandardCharsets.UTF_8);
        List<List<Header>> headers = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            headers.add(List.of(
                    new RecordHeader(CloudEventHeaders.TYPE, type),
                    new RecordHeader(CloudEventHeaders.OWNER, ("other-" + i).getBytes(StandardCharsets.UTF_8))));
        }
        byte[] value = "{}".getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                HeraldKafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "1",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                false,
                ProducerConfig.LINGER_MS_CONFIG,
                20,
                ProducerConfig.BATCH_SIZE_CONFIG,
                512 * 1024,
                ProducerConfig.BUFFER_MEMORY_CONFIG,
                64L * 1024 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                "lz4",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class))) {
            for (int i = 0; i < count; i++) {
                producer.send(
                        new ProducerRecord<>(
                                topic, (Integer) null, (byte[]) null, value, headers.get(i % headers.size())),
                        (metadata, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            }
                        });
            }
            producer.flush();
        }
        assertThat(failure.get()).as("every record written").isNull();
    }
}
