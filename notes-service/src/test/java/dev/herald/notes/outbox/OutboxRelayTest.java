package dev.herald.notes.outbox;

import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OutboxRelayTest {

    @Test
    void deadLettersOnlyWhatRetryingCanNeverFix() {
        assertThat(OutboxRelay.isPermanent(new RecordTooLargeException("too large"))).isTrue();
        assertThat(OutboxRelay.isPermanent(new TimeoutException("broker down"))).isFalse();
        assertThat(OutboxRelay.isPermanent(new NotLeaderOrFollowerException("moving"))).isFalse();
    }
}
