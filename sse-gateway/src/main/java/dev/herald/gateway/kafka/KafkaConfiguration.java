package dev.herald.gateway.kafka;

import dev.herald.gateway.GatewayProperties;
import dev.herald.gateway.fanout.GatewayMetrics;
import dev.herald.gateway.fanout.Hub;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

@Configuration(proxyBeanMethods = false)
class KafkaConfiguration {

    @Bean
    NotesEventConsumer notesEventConsumer(
            @Value("${spring.kafka.bootstrap-servers:localhost:19092}") String bootstrapServers,
            GatewayProperties properties, Hub hub, GatewayMetrics metrics) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "herald-gateway-" + UUID.randomUUID().toString().substring(0, 8));
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        GatewayProperties.Kafka kafka = properties.kafka();
        GatewayProperties.Resume resume = properties.resume();
        return new NotesEventConsumer(() -> new KafkaConsumer<>(config), kafka.topic(), kafka.pollTimeout(),
                kafka.partitionRefresh(), resume.fill() ? resume.ringSize() : 0, hub, metrics);
    }

    /** The bounded pool of Kafka readers for resumes the replay buffer cannot serve. */
    @Bean(destroyMethod = "close")
    KafkaReplayer kafkaReplayer(
            @Value("${spring.kafka.bootstrap-servers:localhost:19092}") String bootstrapServers,
            GatewayProperties properties, Hub hub) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "herald-replay-" + UUID.randomUUID().toString().substring(0, 8));
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        GatewayProperties.Resume resume = properties.resume();
        KafkaReplayer replayer = new KafkaReplayer(() -> new KafkaConsumer<>(config), properties.kafka().topic(),
                resume.replayReaders(), resume.replayQueue());
        hub.useReplayer(replayer);
        return replayer;
    }
}
