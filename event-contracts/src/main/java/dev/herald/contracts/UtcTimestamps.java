package dev.herald.contracts;

import java.time.Instant;
import java.time.LocalDate;
import java.time.Month;
import java.time.Year;
import org.jspecify.annotations.Nullable;

/**
 * Reads the one timestamp form the contract writes, {@code YYYY-MM-DDTHH:MM:SS[.fraction]Z} (UTC, 0 to 9
 * fraction digits), without {@link java.time.format.DateTimeFormatter}: a reader decodes three of them per
 * event, and the formatter's general parser was the largest single cost of reading the topic. Anything
 * else, valid or not (offsets, lower case, a leap second, a year of more than four digits), is not read
 * here: the caller hands it to the standard parser, so what is accepted, and every error, stay the same.
 */
final class UtcTimestamps {

    private static final int SHORTEST = "2026-01-01T00:00:00Z".length();
    private static final int LONGEST = "2026-01-01T00:00:00.123456789Z".length();

    private UtcTimestamps() {}

    /** The instant {@code text} holds in the contract's form, or null when it is in any other. */
    static @Nullable Instant parse(char[] text, int offset, int length) {
        if (length < SHORTEST || length > LONGEST || text[offset + length - 1] != 'Z') {
            return null;
        }
        int at = offset;
        int year = digits(text, at, 4);
        int month = digits(text, at + 5, 2);
        int day = digits(text, at + 8, 2);
        int hour = digits(text, at + 11, 2);
        int minute = digits(text, at + 14, 2);
        int second = digits(text, at + 17, 2);
        if ((year | month | day | hour | minute | second) < 0
                || text[at + 4] != '-'
                || text[at + 7] != '-'
                || text[at + 10] != 'T'
                || text[at + 13] != ':'
                || text[at + 16] != ':'
                || month < 1
                || month > 12
                || day < 1
                || day > Month.of(month).length(Year.isLeap(year))
                || hour > 23
                || minute > 59
                || second > 59) {
            return null;
        }
        int nanos = 0;
        int fractionDigits = length - SHORTEST - 1; // without the '.'
        if (length > SHORTEST) {
            if (fractionDigits < 1 || text[at + 19] != '.') {
                return null;
            }
            int fraction = digits(text, at + 20, fractionDigits);
            if (fraction < 0) {
                return null;
            }
            nanos = fraction;
            for (int i = fractionDigits; i < 9; i++) {
                nanos *= 10;
            }
        }
        long epochDay = LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
    }

    /** The value of {@code count} decimal digits at {@code at} (at most 9), or -1 if one is not a digit. */
    private static int digits(char[] text, int at, int count) {
        int value = 0;
        for (int i = at; i < at + count; i++) {
            int digit = text[i] - '0';
            if (digit < 0 || digit > 9) {
                return -1;
            }
            value = value * 10 + digit;
        }
        return value;
    }
}
