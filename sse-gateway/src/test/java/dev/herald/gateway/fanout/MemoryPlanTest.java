package dev.herald.gateway.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.contracts.ServiceEvent;
import dev.herald.gateway.GatewayProperties;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The start-up check of the gateway's buffers against the heap, on properties bound as the application
 * binds them (defaults included): the ring must hold 16 of the largest events the contract allows, and the
 * ring and the Kafka fetches together at most 60 % of the heap.
 */
class MemoryPlanTest {

    private static final long MIB = 1024 * 1024;

    @Test
    void theDefaultsFitA512MiBHeap() {
        MemoryPlan plan = MemoryPlan.of(properties(Map.of()), 512 * MIB);

        assertThat(plan.ringBytes()).isEqualTo(128 * MIB);
        assertThat(plan.fetchBytes())
                .as("4 MiB, read and decoded, for the live consumer and 4 readers")
                .isEqualTo(40 * MIB);
        assertThat(plan.largestEvent()).isEqualTo(ServiceEvent.MAX_ENCODED_BYTES);
        assertThatCode(plan::check).doesNotThrowAnyException();
    }

    @Test
    void refusesARingThatCannotHoldSixteenOfTheLargestEvents() {
        long sixteen = 16L * ServiceEvent.MAX_ENCODED_BYTES;
        MemoryPlan justEnough =
                MemoryPlan.of(properties(Map.of("herald.gateway.resume.ring-bytes", sixteen + "B")), 512 * MIB);
        MemoryPlan tooSmall =
                MemoryPlan.of(properties(Map.of("herald.gateway.resume.ring-bytes", (sixteen - 1) + "B")), 512 * MIB);

        assertThatCode(justEnough::check).doesNotThrowAnyException();
        assertThatThrownBy(tooSmall::check)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("herald.gateway.resume.ring-bytes")
                .hasMessageContaining("16");
    }

    @Test
    void refusesARingFromTooSmallAHeapShare() {
        // a quarter of 32 MiB is 8 MiB, exactly 16 of the largest events; an eighth is not enough
        assertThatCode(
                        MemoryPlan.of(properties(Map.of("herald.gateway.kafka.fetch-max-bytes", "1MB")), 32 * MIB)
                                ::check)
                .doesNotThrowAnyException();
        assertThatThrownBy(
                        MemoryPlan.of(properties(Map.of("herald.gateway.resume.ring-heap-share", "0.125")), 32 * MIB)
                                ::check)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ring-bytes");
    }

    @Test
    void refusesBuffersThatNeedMoreThanSixtyPercentOfTheHeap() {
        // 512 MiB heap: 60 % is 307.2 MiB; a 280 MiB ring and 40 MiB of fetches need 320 MiB
        MemoryPlan tooMuch = MemoryPlan.of(properties(Map.of("herald.gateway.resume.ring-bytes", "280MB")), 512 * MIB);
        // 256 MiB and 40 MiB: 296 MiB, within
        MemoryPlan within = MemoryPlan.of(properties(Map.of("herald.gateway.resume.ring-bytes", "256MB")), 512 * MIB);
        // the fetches count too: 12 readers of 8 MiB each, read and decoded, are 208 MiB with a 128 MiB ring
        MemoryPlan manyReaders = MemoryPlan.of(
                properties(Map.of(
                        "herald.gateway.resume.replay-readers", "12", "herald.gateway.kafka.fetch-max-bytes", "8MB")),
                512 * MIB);

        assertThatThrownBy(tooMuch::check)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("60%");
        assertThatCode(within::check).doesNotThrowAnyException();
        assertThatThrownBy(manyReaders::check)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("60%");
    }

    /** The properties as the application binds them: {@code values} over the defaults. */
    private static GatewayProperties properties(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values))
                .bindOrCreate("herald.gateway", GatewayProperties.class);
    }
}
