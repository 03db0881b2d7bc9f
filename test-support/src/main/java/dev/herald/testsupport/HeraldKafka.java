package dev.herald.testsupport;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.jspecify.annotations.Nullable;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * A real Kafka broker in KRaft mode inside the test JVM (spring-kafka-test), one per JVM. A test that must
 * kill and restart a broker on the same port needs a broker process instead (the embedded KRaft broker
 * always takes a random port): see {@link KafkaBrokerProcess}.
 */
public final class HeraldKafka {

    private static volatile @Nullable EmbeddedKafkaBroker shared;

    private HeraldKafka() {}

    /** The shared broker, started on first use. */
    public static synchronized EmbeddedKafkaBroker broker() {
        EmbeddedKafkaBroker current = shared;
        if (current == null) {
            current = startBroker();
            shared = current;
            Runtime.getRuntime().addShutdownHook(new Thread(current::destroy, "herald-kafka-stop"));
        }
        return current;
    }

    public static String bootstrapServers() {
        return broker().getBrokersAsString();
    }

    /** Starts a new single-node KRaft broker on a free port; the caller destroys it. */
    public static EmbeddedKafkaBroker startBroker() {
        Map<String, String> properties = new HashMap<>();
        properties.put("auto.create.topics.enable", "false");
        properties.put("transaction.state.log.replication.factor", "1");
        properties.put("transaction.state.log.min.isr", "1");
        properties.put("offsets.topic.replication.factor", "1");
        properties.put("group.initial.rebalance.delay.ms", "0");
        properties.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.brokerProperties(properties);
        broker.afterPropertiesSet();
        return broker;
    }

    /** Creates a topic on the shared broker unless it exists. */
    public static void ensureTopic(String name, int partitions) {
        EmbeddedKafkaBroker broker = broker();
        if (!broker.getTopics().contains(name)) {
            broker.addTopicsWithResults(new NewTopic(name, partitions, (short) 1));
        }
    }
}
