package dev.herald.notes.note;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class IfMatchTest {

    @Test
    void readsStrongWeakAndBareVersions() {
        assertThat(IfMatch.version("\"3\"")).isEqualTo(3L);
        assertThat(IfMatch.version("W/\"4\"")).isEqualTo(4L);
        assertThat(IfMatch.version(" 5 ")).isEqualTo(5L);
    }

    @Test
    void absentOrStarMeansAnyVersion() {
        assertThat(IfMatch.version(null)).isNull();
        assertThat(IfMatch.version("*")).isNull();
    }

    @Test
    void anUnreadableTagMatchesNoVersion() {
        assertThat(IfMatch.version("\"abc\"")).isEqualTo(IfMatch.NO_VERSION);
    }
}
