package dev.herald.stack;

import java.util.HashMap;
import java.util.Map;

/** {@code key=value} command-line arguments with defaults, so the {@code stack} script passes only what it changes. */
record StackArgs(Map<String, String> values) {

    static StackArgs parse(String[] args) {
        Map<String, String> values = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got: " + arg);
            }
            values.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        return new StackArgs(Map.copyOf(values));
    }

    String get(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    int getInt(String key, int fallback) {
        String value = values.get(key);
        return value == null ? fallback : Integer.parseInt(value);
    }
}
