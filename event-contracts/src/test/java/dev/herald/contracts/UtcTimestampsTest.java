package dev.herald.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Random;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UtcTimestampsTest {

    private static @Nullable Instant parse(String text) {
        char[] padded = ("[" + text + "]").toCharArray(); // read from an offset, as out of a parser's buffer
        return UtcTimestamps.parse(padded, 1, text.length());
    }

    @Test
    void readsEveryInstantOfYearsZeroToNineThousandNineHundredNinetyNineAsTheStandardParserDoes() {
        Random random = new Random(20261206);
        long first = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
        long last = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 200_000; i++) {
            Instant instant = Instant.ofEpochSecond(
                    first + (long) (random.nextDouble() * (last - first)), random.nextInt(1_000_000_000));
            int fractionDigits = random.nextInt(10);
            String text = withFraction(instant, fractionDigits);

            assertThat(parse(text)).as(text).isEqualTo(Instant.parse(text));
        }
    }

    @Test
    void readsTheEdgesOfDaysMonthsAndLeapYears() {
        for (String text : new String[] {
            "2024-02-29T00:00:00Z",
            "2000-02-29T12:00:00Z",
            "2026-12-31T23:59:59.999999999Z",
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.9Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.000000001Z",
            "2026-11-27T10:30:05.123456Z",
            "2026-04-30T00:00:00.000Z"
        }) {
            assertThat(parse(text)).as(text).isEqualTo(Instant.parse(text));
        }
    }

    /** Not the contract's form, or no date at all: left to the standard parser (which accepts some, rejects others). */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "2023-02-29T00:00:00Z",
                "1900-02-29T00:00:00Z",
                "2026-04-31T00:00:00Z",
                "2026-13-01T00:00:00Z",
                "2026-00-01T00:00:00Z",
                "2026-01-00T00:00:00Z",
                "2026-01-01T24:00:00Z",
                "2026-01-01T23:60:00Z",
                "2026-12-31T23:59:60Z",
                "2026-01-01T00:00:00.Z",
                "2026-01-01T00:00:00.1234567890Z",
                "2026-01-01T00:00:00",
                "2026-01-01T00:00:00+01:00",
                "2026-01-01T00:00:00.5+00:00",
                "2026-01-01t00:00:00z",
                "2026-01-01 00:00:00Z",
                "2026/01/01T00:00:00Z",
                "+12026-01-01T00:00:00Z",
                "-0001-01-01T00:00:00Z",
                "2026-01-01T00:00:0xZ",
                "2026-01-01T00:00:00,5Z",
                "2026-01-01T00:00:00.5 Z",
                "1764500000",
                ""
            })
    void leavesEveryOtherFormToTheStandardParser(String text) {
        assertThat(parse(text)).isNull();
    }

    @Test
    void theCodecReadsTheOtherFormsAsBeforeAndRejectsImpossibleDatesByField() {
        ServiceEventCodec codec = new ServiceEventCodec();
        String json = codec.encodeToString(ServiceEventCodecTest.sampleEvent("x"));
        String offset = json.replace(
                "\"timestamp\":\"2026-11-27T10:30:05.123456Z\"", "\"timestamp\":\"2026-11-27T11:30:05.123456+01:00\"");
        assertThat(offset).isNotEqualTo(json);

        assertThat(codec.decode(offset).timestamp()).isEqualTo(Instant.parse("2026-11-27T10:30:05.123456Z"));

        String impossible = json.replace(
                "\"timestamp\":\"2026-11-27T10:30:05.123456Z\"", "\"timestamp\":\"2026-02-30T10:30:05.123456Z\"");
        assertThat(impossible).isNotEqualTo(json);
        assertThatThrownBy(() -> codec.decode(impossible))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("timestamp");
    }

    private static String withFraction(Instant instant, int fractionDigits) {
        DateTimeFormatterBuilder builder = new DateTimeFormatterBuilder().appendPattern("uuuu-MM-dd'T'HH:mm:ss");
        if (fractionDigits > 0) {
            builder.appendFraction(ChronoField.NANO_OF_SECOND, fractionDigits, fractionDigits, true);
        }
        DateTimeFormatter format = builder.appendLiteral('Z').toFormatter().withZone(ZoneOffset.UTC);
        return format.format(instant);
    }
}
