package dev.herald.gateway.fanout;

import dev.herald.gateway.GatewayProperties;
import dev.herald.gateway.resume.ResumePosition;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class FanoutConfiguration {

    @Bean
    GatewayMetrics gatewayMetrics(MeterRegistry registry) {
        return new GatewayMetrics(registry);
    }

    @Bean
    ReplayBuffer replayBuffer(GatewayProperties properties, GatewayMetrics metrics) {
        MemoryPlan plan = MemoryPlan.of(properties, Runtime.getRuntime().maxMemory());
        plan.check();
        ReplayBuffer ring = new ReplayBuffer(properties.resume().ringSize(), plan.ringBytes());
        metrics.watchReplayBuffer(ring);
        return ring;
    }

    @Bean
    Hub hub(
            GatewayProperties properties,
            ReplayBuffer replayBuffer,
            ObjectProvider<Replayer> replayer,
            GatewayMetrics metrics) {
        Duration tick =
                properties.tick().compareTo(properties.heartbeat()) > 0 ? properties.heartbeat() : properties.tick();
        Duration checkpoint = properties.resume().checkpointInterval();
        if (tick.compareTo(checkpoint) > 0) {
            tick = checkpoint;
        }
        GatewayProperties.Flow flow = properties.flow();
        return new Hub(
                new HubSettings(
                        properties.heartbeat(),
                        tick,
                        properties.retry(),
                        properties.retryJitter(),
                        flow.slowGrace(),
                        properties.resume().chunkBytes().toBytes(),
                        properties.maxConnections(),
                        properties.maxStreamsPerUser()),
                new ResumeSettings(ResumePosition.topicCheck(properties.kafka().topic()), checkpoint),
                replayBuffer,
                replayer.getIfAvailable(),
                metrics);
    }

    /**
     * {@code streams}: out of service until the consumer has found its start position (until then
     * {@code GET /events} answers 503 "Starting") and while draining, so whatever waits for health — the
     * local stack, a load balancer — sends clients only to an instance that can serve them.
     */
    @Bean
    HealthIndicator streamsHealthIndicator(Hub hub) {
        return () -> {
            if (!hub.isReady()) {
                return Health.outOfService()
                        .withDetail("reason", "reading the topic")
                        .build();
            }
            if (hub.isDraining()) {
                return Health.outOfService().withDetail("reason", "draining").build();
            }
            return Health.up().withDetail("connections", hub.connections()).build();
        };
    }
}
