package dev.herald.notes.note;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NoteInputTest {

    @Test
    void acceptsTitlesUpTo200CharactersCountingCodePoints() {
        assertThat(new NoteInput("😀".repeat(200), "").validate().title()).hasSize(400);
        assertThatThrownBy(() -> new NoteInput("a".repeat(201), "").validate())
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("title");
    }

    @Test
    void refusesMissingOrBlankTitleAndMissingContent() {
        assertThatThrownBy(() -> new NoteInput(null, "c").validate()).hasMessageStartingWith("title");
        assertThatThrownBy(() -> new NoteInput("  ", "c").validate()).hasMessageStartingWith("title");
        assertThatThrownBy(() -> new NoteInput("t", null).validate()).hasMessageStartingWith("content");
    }

    @Test
    void limitsContentTo64KibOfUtf8() {
        assertThat(new NoteInput("t", "é".repeat(32 * 1024)).validate().content())
                .hasSize(32 * 1024);
        assertThatThrownBy(() -> new NoteInput("t", "é".repeat(32 * 1024) + "x").validate())
                .hasMessageStartingWith("content");
    }

    @Test
    void refusesNulCharactersPostgresCannotStore() {
        assertThatThrownBy(() -> new NoteInput("t\u0000", "c").validate()).hasMessageStartingWith("title");
        assertThatThrownBy(() -> new NoteInput("t", "\u0000").validate()).hasMessageStartingWith("content");
    }
}
