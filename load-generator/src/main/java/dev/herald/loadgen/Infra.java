package dev.herald.loadgen;

import dev.herald.contracts.Topics;
import dev.herald.testsupport.HeraldIssuer;
import dev.herald.testsupport.HeraldKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

/**
 * The infrastructure of a gateway benchmark in one JVM: a KRaft broker with {@code notes.events} and the
 * OIDC issuer, plus a token file for every benchmark user ({@code u<i>} plain, {@code a<i>} admin). It
 * writes {@code infra.properties} and serves until killed.
 */
final class Infra {

    private final Args args;

    Infra(Args args) {
        this.args = args;
    }

    void run() throws IOException, InterruptedException {
        RunDir dir = new RunDir(Path.of(args.string("run-dir")));
        HeraldKafka.ensureTopic(Topics.NOTES_EVENTS, args.integer("partitions", 4));
        String issuer = HeraldIssuer.issuerUri();
        Duration validity = Duration.ofHours(args.integer("token-hours", 6));
        StringBuilder tokens = new StringBuilder();
        for (int i = 0; i < args.integer("users", 3000); i++) {
            tokens.append(Owners.userName(i))
                    .append('\t')
                    .append(HeraldIssuer.token(Owners.userName(i), validity, "user"))
                    .append('\n');
        }
        for (int i = 0; i < args.integer("admins", 3000); i++) {
            tokens.append(Owners.adminName(i))
                    .append('\t')
                    .append(HeraldIssuer.token(Owners.adminName(i), validity, "admin"))
                    .append('\n');
        }
        Files.writeString(dir.path().resolve("tokens.tsv"), tokens);
        Properties properties = new Properties();
        properties.setProperty("bootstrap.servers", HeraldKafka.bootstrapServers());
        properties.setProperty("issuer.uri", issuer);
        dir.write("infra.properties", properties);
        System.out.println("infra: kafka " + HeraldKafka.bootstrapServers() + ", issuer " + issuer);
        Thread.currentThread().join();
    }
}
