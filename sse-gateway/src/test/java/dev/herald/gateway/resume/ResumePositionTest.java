package dev.herald.gateway.resume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ResumePositionTest {

    private static final String TOPIC = "notes.events";

    @Test
    void roundTripsEveryPartitionsNextOffset() {
        ResumePosition position = ResumePosition.of(0, 1, 127, 128, 1_000_000, Long.MAX_VALUE);

        ResumePosition decoded = ResumePosition.decode(TOPIC, position.encode(TOPIC));

        assertThat(decoded).isEqualTo(position);
        assertThat(decoded.nextOffsets()).containsExactly(0, 1, 127, 128, 1_000_000, Long.MAX_VALUE);
    }

    @Test
    void encodesCompactlyAndUrlSafe() {
        String id = ResumePosition.of(1_000_000, 999_999, 1_234_567).encode(TOPIC);

        assertThat(id).hasSizeLessThanOrEqualTo(19).matches("[A-Za-z0-9_-]+");
    }

    @Test
    void refusesAPositionOfAnotherTopic() {
        String foreign = ResumePosition.of(5, 6, 7).encode("orders.events");

        assertThatThrownBy(() -> ResumePosition.decode(TOPIC, foreign))
                .isInstanceOfSatisfying(
                        InvalidPositionException.class,
                        e -> assertThat(e.reason()).isEqualTo(InvalidPositionException.Reason.FOREIGN_TOPIC));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not base64!", "AAAA", "AQ", "garbage-garbage-garbage"})
    void refusesWhatItDidNotWriteAsUnreadable(String id) {
        assertUnreadable(id);
    }

    @Test
    void refusesAHostileBodyBehindThisTopicsHeaderAsUnreadable() {
        int check = ResumePosition.topicCheck(TOPIC);
        byte[] header = {ResumePosition.FORMAT, (byte) (check >>> 16), (byte) (check >>> 8), (byte) check};
        byte[] tooManyPartitions = concat(header, new byte[] {(byte) 0x89, 0x27}); // 5001 partitions
        byte[] offsetTooLarge = concat(header, new byte[] {1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1});
        byte[] truncated = concat(header, new byte[] {2, 5});
        for (byte[] body : new byte[][] {tooManyPartitions, offsetTooLarge, truncated}) {
            assertUnreadable(Base64.getUrlEncoder().withoutPadding().encodeToString(body));
        }
        assertUnreadable("x".repeat(ResumePosition.MAX_ENCODED_LENGTH + 1));
    }

    private static void assertUnreadable(String id) {
        assertThatThrownBy(() -> ResumePosition.decode(TOPIC, id))
                .as("id %s", id)
                .isInstanceOfSatisfying(
                        InvalidPositionException.class,
                        e -> assertThat(e.reason()).isEqualTo(InvalidPositionException.Reason.UNREADABLE));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void refusesTruncatedAndTrailingBytes() {
        String id = ResumePosition.of(300, 400).encode(TOPIC);
        String truncated = ResumePosition.of(300, 400).encode(TOPIC).substring(0, id.length() - 2);
        String trailing = id + "AA";

        assertThatThrownBy(() -> ResumePosition.decode(TOPIC, truncated)).isInstanceOf(InvalidPositionException.class);
        assertThatThrownBy(() -> ResumePosition.decode(TOPIC, trailing)).isInstanceOf(InvalidPositionException.class);
    }

    @Test
    void aPartitionAddedLaterStandsAtItsBeginning() {
        ResumePosition position =
                ResumePosition.decode(TOPIC, ResumePosition.of(10, 20).encode(TOPIC));

        assertThat(position.nextOffset(2)).isZero();
        assertThat(position.includes(1, 19)).isTrue();
        assertThat(position.includes(1, 20)).isFalse();
        assertThat(position.includes(2, 0)).isFalse();
    }

    @Test
    void encodesAPrefixOfTheConsumersOffsetsWithoutCopying() {
        long[] next = {3, 4, 5, 0};
        String id = ResumePosition.encode(ResumePosition.topicCheck(TOPIC), next, 3);

        assertThat(ResumePosition.decode(TOPIC, id)).isEqualTo(ResumePosition.of(3, 4, 5));
    }

    @Test
    void rejectsNegativeOffsets() {
        assertThatThrownBy(() -> ResumePosition.of(1, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
