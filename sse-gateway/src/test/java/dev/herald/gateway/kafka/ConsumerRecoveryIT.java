package dev.herald.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Action;
import dev.herald.gateway.TestEvents;
import dev.herald.gateway.fanout.GatewayMetrics;
import dev.herald.gateway.fanout.Hub;
import dev.herald.gateway.fanout.HubSettings;
import dev.herald.gateway.fanout.ReplayBuffer;
import dev.herald.gateway.fanout.ResumeSettings;
import dev.herald.gateway.resume.ResumePosition;
import dev.herald.testsupport.HeraldKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;

/**
 * The consumer thread against failures it cannot foresee: polls that throw {@link OutOfMemoryError}
 * (a real broker underneath, the failure injected around its client). Health is DOWN while it recovers,
 * then it reads on from where it stood, and the event written meanwhile is not lost.
 */
class ConsumerRecoveryIT {

    @Test
    void anErrorInThePollTurnsHealthDownThenTheConsumerReadsOnWithNothingLost() {
        String topic = "recovery." + UUID.randomUUID();
        HeraldKafka.ensureTopic(topic, 1);
        AtomicInteger failuresLeft = new AtomicInteger();
        GatewayMetrics metrics = new GatewayMetrics(new SimpleMeterRegistry());
        Hub hub = new Hub(
                new HubSettings(
                        Duration.ofSeconds(15),
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(3),
                        Duration.ZERO,
                        Duration.ofSeconds(10),
                        64 * 1024,
                        10,
                        10),
                new ResumeSettings(ResumePosition.topicCheck(topic), Duration.ofSeconds(30)),
                new ReplayBuffer(100, 1024 * 1024),
                null,
                metrics);
        NotesEventConsumer consumer = new NotesEventConsumer(
                () -> failing(realConsumer(), failuresLeft),
                topic,
                Duration.ofMillis(100),
                Duration.ofSeconds(1),
                0,
                hub,
                metrics,
                DeliveryTracing.OFF);
        consumer.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(hub::isReady);
            assertThat(consumer.health().getStatus()).isEqualTo(Status.UP);

            failuresLeft.set(3);
            TestEvents.publishTo(topic, TestEvents.note("alice", Action.CREATED, "written while it fails"));

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> consumer.health().getStatus().equals(Status.DOWN));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> consumer.health().getStatus().equals(Status.UP) && hub.bufferedEvents() == 1);
            assertThat(failuresLeft.get()).isLessThanOrEqualTo(0);
        } finally {
            consumer.stop();
        }
    }

    private static Consumer<byte[], byte[]> realConsumer() {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                HeraldKafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class));
    }

    /** The consumer, except that its polls throw {@link OutOfMemoryError} while {@code failuresLeft} is positive. */
    @SuppressWarnings("unchecked")
    private static Consumer<byte[], byte[]> failing(Consumer<byte[], byte[]> real, AtomicInteger failuresLeft) {
        return (Consumer<byte[], byte[]>) Proxy.newProxyInstance(
                Consumer.class.getClassLoader(), new Class<?>[] {Consumer.class}, (proxy, method, args) -> {
                    if (method.getName().equals("poll") && failuresLeft.getAndDecrement() > 0) {
                        throw new OutOfMemoryError("injected by the test");
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
