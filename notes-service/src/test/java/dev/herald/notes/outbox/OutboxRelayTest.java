package dev.herald.notes.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class OutboxRelayTest {

    /** Every error the relay dead-letters: retrying the same record can never succeed. */
    static Stream<Throwable> permanent() {
        return Stream.of(
                new RecordTooLargeException("too large"),
                new RecordBatchTooLargeException("batch too large"),
                new InvalidRecordException("invalid"),
                new CorruptRecordException("corrupt"),
                new SerializationException("cannot serialize"));
    }

    /** Errors that pass (broker down, leader moving, topic being created): the row must stay and be retried. */
    static Stream<Throwable> passing() {
        return Stream.of(
                new TimeoutException("broker down"),
                new NotLeaderOrFollowerException("moving"),
                new NetworkException("link broken"),
                new NotEnoughReplicasException("replicas behind"),
                new UnknownTopicOrPartitionException("topic not there yet"),
                new ProducerFencedException("fenced"),
                new KafkaException("not acknowledged"));
    }

    @ParameterizedTest
    @MethodSource("permanent")
    void deadLettersWhatRetryingCanNeverFix(Throwable error) {
        assertThat(OutboxRelay.isPermanent(error))
                .as(error.getClass().getSimpleName())
                .isTrue();
    }

    @ParameterizedTest
    @MethodSource("passing")
    void keepsRetryingWhatMayPass(Throwable error) {
        assertThat(OutboxRelay.isPermanent(error))
                .as(error.getClass().getSimpleName())
                .isFalse();
    }
}
