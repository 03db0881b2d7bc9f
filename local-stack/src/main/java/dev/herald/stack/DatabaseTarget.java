package dev.herald.stack;

import java.util.Map;

/**
 * The PostgreSQL the services use: a JDBC URL and credentials. Read from {@code DATABASE_URL} in either form
 * {@code jdbc:postgresql://host:port/db} (user and password from {@code DATABASE_USERNAME} and
 * {@code DATABASE_PASSWORD}, default {@code herald}) or {@code postgres[ql]://user:password@host:port/db}.
 */
record DatabaseTarget(String jdbcUrl, String user, String password) {

    static final String DEFAULT_CREDENTIAL = "herald";

    static DatabaseTarget parse(String url, Map<String, String> environment) {
        String user = environment.getOrDefault("DATABASE_USERNAME", DEFAULT_CREDENTIAL);
        String password = environment.getOrDefault("DATABASE_PASSWORD", DEFAULT_CREDENTIAL);
        if (url.startsWith("jdbc:postgresql://")) {
            return new DatabaseTarget(url, user, password);
        }
        for (String scheme : new String[] {"postgres://", "postgresql://"}) {
            if (url.startsWith(scheme)) {
                String rest = url.substring(scheme.length());
                int at = rest.indexOf('@');
                if (at >= 0) {
                    String credentials = rest.substring(0, at);
                    rest = rest.substring(at + 1);
                    int colon = credentials.indexOf(':');
                    if (colon >= 0) {
                        user = credentials.substring(0, colon);
                        password = credentials.substring(colon + 1);
                    } else {
                        user = credentials;
                    }
                }
                return new DatabaseTarget("jdbc:postgresql://" + rest, user, password);
            }
        }
        throw new StackException(
                "DATABASE_URL must look like jdbc:postgresql://host:port/db or postgres://user:password@host:port/db");
    }

    /** The embedded server's database: {@code herald} on localhost, user and password {@code herald}. */
    static DatabaseTarget embedded(int port) {
        return new DatabaseTarget(
                "jdbc:postgresql://localhost:" + port + "/herald", DEFAULT_CREDENTIAL, DEFAULT_CREDENTIAL);
    }
}
