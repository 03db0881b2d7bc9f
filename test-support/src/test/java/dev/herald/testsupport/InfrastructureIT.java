package dev.herald.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class InfrastructureIT {

    @Test
    void postgresServesIsolatedDatabases() throws Exception {
        String first = HeraldPostgres.newDatabase("infra");
        String second = HeraldPostgres.newDatabase("infra");

        try (Connection a = DriverManager.getConnection(first, HeraldPostgres.USER, HeraldPostgres.PASSWORD);
                Statement st = a.createStatement()) {
            st.execute("CREATE TABLE t (v int)");
            st.execute("INSERT INTO t VALUES (42)");
            try (ResultSet rs = st.executeQuery("SELECT v, current_setting('server_version_num')::int FROM t")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(42);
                assertThat(rs.getInt(2)).isGreaterThanOrEqualTo(140000);
            }
        }
        try (Connection b = DriverManager.getConnection(second, HeraldPostgres.USER, HeraldPostgres.PASSWORD);
                ResultSet rs = b.getMetaData().getTables(null, "public", "t", null)) {
            assertThat(rs.next()).as("table from the other database").isFalse();
        }
    }

    @Test
    void kafkaBrokerStoresAndServesRecords() {
        HeraldKafka.ensureTopic("infra.check", 3);
        String servers = HeraldKafka.bootstrapServers();
        Map<String, Object> producerConfig = Map.of("bootstrap.servers", servers, "acks", "all");
        try (var producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>("infra.check", "key", "value-" + i));
            }
            producer.flush();
        }

        List<String> values = new ArrayList<>();
        Map<String, Object> consumerConfig = Map.of("bootstrap.servers", servers);
        try (var consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor("infra.check").stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            assertThat(partitions).hasSize(3);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (values.size() < 10 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
        }
        assertThat(values)
                .containsExactly(
                        "value-0", "value-1", "value-2", "value-3", "value-4", "value-5", "value-6", "value-7",
                        "value-8", "value-9");
    }

    @Test
    void issuerPublishesDiscoveryAndSignsTokensWithItsKeys() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String discovery = http.send(
                        HttpRequest.newBuilder(
                                        URI.create(HeraldIssuer.issuerUri() + "/.well-known/openid-configuration"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(discovery)
                .contains("\"issuer\" : \"" + HeraldIssuer.issuerUri() + "\"".replace(" : ", ":"))
                .contains("jwks_uri");

        SignedJWT jwt = SignedJWT.parse(HeraldIssuer.token("alice", "user"));
        JWKSet keys = JWKSet.load(
                URI.create(HeraldIssuer.server().jwksUrl(HeraldIssuer.ISSUER_ID).toString())
                        .toURL());
        RSAKey key = (RSAKey) keys.getKeyByKeyId(jwt.getHeader().getKeyID());

        assertThat(jwt.verify(new RSASSAVerifier(key))).isTrue();
        assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo("alice");
        assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo(HeraldIssuer.issuerUri());
        assertThat(jwt.getJWTClaimsSet().getAudience()).containsExactly(HeraldIssuer.AUDIENCE);
        assertThat(jwt.getJWTClaimsSet().getStringListClaim("roles")).containsExactly("user");
    }
}
