package dev.herald.gateway.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The ring's owner index: a user's resume finds exactly its own frames, in order, or learns the ring moved on. */
class ReplayBufferTest {

    @Test
    void findsAnOwnersFramesBetweenTwoPlacesOldestFirst() {
        ReplayBuffer ring = new ReplayBuffer(64, 1 << 20);
        for (int i = 0; i < 30; i++) {
            ring.append(frame(i % 3 == 0 ? "alice" : "bob"));
        }

        assertThat(ring.ofOwner("alice", 0, 29, 100)).containsExactly(0, 3, 6, 9, 12, 15, 18, 21, 24, 27);
        assertThat(ring.ofOwner("alice", 4, 20, 100)).containsExactly(6, 9, 12, 15, 18);
        assertThat(ring.ofOwner("alice", 4, 20, 2))
                .as("the oldest first when capped")
                .containsExactly(6, 9);
        assertThat(ring.ofOwner("carol", 0, 29, 100)).isEmpty();
    }

    @Test
    void anOwnerWhoseFramesWereOverwrittenInTheRangeIsToldSo() {
        ReplayBuffer ring = new ReplayBuffer(16, 1 << 20);
        for (int i = 0; i < 40; i++) {
            ring.append(frame(i % 2 == 0 ? "alice" : "bob"));
        }

        assertThat(ring.ofOwner("alice", 10, 39, 100))
                .as("frames 10 to 23 are gone: the caller must read Kafka")
                .isNull();
        assertThat(ring.ofOwner("alice", 30, 39, 100)).containsExactly(30, 32, 34, 36, 38);
    }

    @Test
    void anOwnerWhoseFramesAllLeftTheRingHasNone() {
        ReplayBuffer ring = new ReplayBuffer(16, 1 << 20);
        ring.append(frame("once"));
        LongStream.range(0, 40).forEach(i -> ring.append(frame("bob")));

        assertThat(ring.ofOwner("once", ring.oldest(), ring.head() - 1, 100)).isEmpty();
    }

    private static Frame frame(String owner) {
        byte[] bytes = ("event: notes:created\ndata: " + owner + "\n\n").getBytes(StandardCharsets.UTF_8);
        return Frame.event(bytes, owner, 1, 0, 0, 0, new long[] {1});
    }
}
