package dev.herald.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ScheduleTest {

    @Test
    void spacesEventsEvenlyFromTheStartWhateverHappenedBefore() {
        Schedule schedule = new Schedule(1_000_000_000L, 4);

        assertThat(schedule.intendedNanos(0)).isEqualTo(1_000_000_000L);
        assertThat(schedule.intendedNanos(1)).isEqualTo(1_250_000_000L);
        assertThat(schedule.intendedNanos(8)).isEqualTo(3_000_000_000L);
    }

    @Test
    void countsEventsDueAtATimeIncludingOneDueExactlyThen() {
        Schedule schedule = new Schedule(1_000_000_000L, 3);

        assertThat(schedule.dueCount(999_999_999L)).isZero();
        assertThat(schedule.dueCount(1_000_000_000L)).isEqualTo(1);
        assertThat(schedule.dueCount(schedule.intendedNanos(5) - 1)).isEqualTo(5);
        assertThat(schedule.dueCount(schedule.intendedNanos(5))).isEqualTo(6);
        // a sender that stalled for 10 s owes 30 more events at once (open model)
        assertThat(schedule.dueCount(11_000_000_000L)).isEqualTo(31);
    }

    @Test
    void rejectsANonPositiveRate() {
        assertThatThrownBy(() -> new Schedule(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
