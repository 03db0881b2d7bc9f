package dev.herald.gateway.fanout;

import dev.herald.gateway.GatewayProperties;
import dev.herald.gateway.resume.ResumePosition;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;

@Configuration(proxyBeanMethods = false)
class FanoutConfiguration {

    @Bean
    GatewayMetrics gatewayMetrics(MeterRegistry registry) {
        return new GatewayMetrics(registry);
    }

    @Bean
    ReplayBuffer replayBuffer(GatewayProperties properties) {
        return new ReplayBuffer(properties.resume().ringSize());
    }

    @Bean
    Hub hub(GatewayProperties properties, ReplayBuffer replayBuffer, GatewayMetrics metrics) {
        Duration tick = properties.tick().compareTo(properties.heartbeat()) > 0 ? properties.heartbeat() : properties.tick();
        Duration checkpoint = properties.resume().checkpointInterval();
        if (tick.compareTo(checkpoint) > 0) {
            tick = checkpoint;
        }
        return new Hub(new HubSettings(properties.heartbeat(), tick, properties.retry(),
                new QueueLimits(properties.queue().maxFrames(), properties.queue().maxBytes().toBytes()),
                properties.maxConnections(), properties.maxStreamsPerUser()),
                new ResumeSettings(ResumePosition.topicCheck(properties.kafka().topic()), checkpoint),
                replayBuffer, metrics);
    }
}
