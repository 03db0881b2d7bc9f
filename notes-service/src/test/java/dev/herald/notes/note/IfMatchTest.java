package dev.herald.notes.note;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IfMatchTest {

    @Test
    void aStrongTagMatchesItsVersionOnly() {
        assertThat(IfMatch.of("\"3\"").permits(3)).isTrue();
        assertThat(IfMatch.of("\"3\"").permits(4)).isFalse();
    }

    @Test
    void aWeakTagNeverMatches() {
        assertThat(IfMatch.of("W/\"4\"").permits(4)).isFalse();
        assertThat(IfMatch.of("W/\"4\", \"5\"").permits(4)).isFalse();
    }

    @Test
    void aListMatchesWhenOneOfItsStrongTagsDoes() {
        assertThat(IfMatch.of("\"1\", \"7\"").permits(7)).isTrue();
        assertThat(IfMatch.of("\"1\", \"7\"").permits(2)).isFalse();
    }

    @Test
    void absentOrStarMeansAnyVersion() {
        assertThat(IfMatch.of(null).permits(9)).isTrue();
        assertThat(IfMatch.ANY.permits(0)).isTrue();
        assertThat(IfMatch.of("*").permits(9)).isTrue();
    }

    @Test
    void anUnreadableTagMatchesNoVersion() {
        assertThat(IfMatch.of("\"abc\"").permits(0)).isFalse();
        assertThat(IfMatch.of("\"unterminated").permits(0)).isFalse();
    }

    @Test
    void theResponseTagIsStrongAndQuoted() {
        assertThat(IfMatch.tagOf(12).formattedTag()).isEqualTo("\"12\"");
    }
}
