package dev.herald.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DatabaseTargetTest {

    @Test
    void aJdbcUrlTakesItsCredentialsFromTheEnvironment() {
        DatabaseTarget target = DatabaseTarget.parse(
                "jdbc:postgresql://db.example:5433/notes",
                Map.of("DATABASE_USERNAME", "notes", "DATABASE_PASSWORD", "secret"));

        assertThat(target).isEqualTo(new DatabaseTarget("jdbc:postgresql://db.example:5433/notes", "notes", "secret"));
    }

    @Test
    void aJdbcUrlWithoutCredentialsInTheEnvironmentUsesHerald() {
        assertThat(DatabaseTarget.parse("jdbc:postgresql://localhost/herald", Map.of()))
                .isEqualTo(new DatabaseTarget("jdbc:postgresql://localhost/herald", "herald", "herald"));
    }

    @Test
    void aPostgresUrlCarriesUserAndPassword() {
        assertThat(DatabaseTarget.parse(
                        "postgres://app:p%40ss:word@db:5432/herald", Map.of("DATABASE_PASSWORD", "ignored")))
                .isEqualTo(new DatabaseTarget("jdbc:postgresql://db:5432/herald", "app", "p%40ss:word"));
        assertThat(DatabaseTarget.parse("postgresql://app:pw@db/herald?sslmode=require", Map.of()))
                .isEqualTo(new DatabaseTarget("jdbc:postgresql://db/herald?sslmode=require", "app", "pw"));
    }

    @Test
    void aPostgresUrlWithAUserOnlyKeepsThePasswordFromTheEnvironment() {
        assertThat(DatabaseTarget.parse("postgres://app@db:5432/herald", Map.of("DATABASE_PASSWORD", "pw")))
                .isEqualTo(new DatabaseTarget("jdbc:postgresql://db:5432/herald", "app", "pw"));
        assertThat(DatabaseTarget.parse("postgres://db:5432/herald", Map.of()))
                .isEqualTo(new DatabaseTarget("jdbc:postgresql://db:5432/herald", "herald", "herald"));
    }

    @Test
    void anyOtherFormIsRefusedNamingBoth() {
        assertThatThrownBy(() -> DatabaseTarget.parse("mysql://db/herald", Map.of()))
                .isInstanceOf(StackException.class)
                .hasMessage("DATABASE_URL must look like jdbc:postgresql://host:port/db"
                        + " or postgres://user:password@host:port/db");
    }
}
