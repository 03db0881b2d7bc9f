package dev.herald.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OwnersTest {

    @Test
    void spreadsEventsOverAllUsersRoughlyEvenly() {
        Owners owners = new Owners(1000, 10, 10);
        int[] counts = new int[1000];
        for (long seq = 0; seq < 100_000; seq++) {
            counts[owners.ownerOf(seq)]++;
        }
        assertThat(java.util.Arrays.stream(counts).min().orElseThrow()).isGreaterThanOrEqualTo(50);
        assertThat(java.util.Arrays.stream(counts).max().orElseThrow()).isLessThanOrEqualTo(160);
    }

    @Test
    void givesTheFirstStreamsToAdminsAndTheRestToUsersInTurn() {
        Owners owners = new Owners(1000, 10, 10);

        assertThat(owners.userNameOf(3)).isEqualTo("a3");
        assertThat(owners.isAdminStream(10)).isFalse();
        assertThat(owners.userNameOf(10)).isEqualTo("u0");
        assertThat(owners.userNameOf(1010)).isEqualTo("u0");
        assertThat(owners.userNameOf(10_009)).isEqualTo("u999");
    }
}
