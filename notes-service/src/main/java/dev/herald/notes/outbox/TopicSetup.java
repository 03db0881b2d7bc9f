package dev.herald.notes.outbox;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the events topic when it is missing (partitions and retention from {@code herald.outbox.topic}).
 * The leading relay runs it before it publishes, so a fresh or rebuilt cluster gets its topic too.
 * An existing topic is left as it is.
 */
public final class TopicSetup implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(TopicSetup.class);

    private final Map<String, Object> adminConfig;
    private final OutboxProperties.Topic topic;

    public TopicSetup(Map<String, Object> adminConfig, OutboxProperties.Topic topic) {
        this.adminConfig = adminConfig;
        this.topic = topic;
    }

    @Override
    public void run() {
        try (Admin admin = Admin.create(adminConfig)) {
            Set<String> existing = admin.listTopics().names().get(10, TimeUnit.SECONDS);
            if (existing.contains(topic.name())) {
                return;
            }
            NewTopic create = new NewTopic(
                            topic.name(),
                            Optional.of(topic.partitions()),
                            topic.replicationFactor() > 0 ? Optional.of(topic.replicationFactor()) : Optional.empty())
                    .configs(Map.of(
                            TopicConfig.RETENTION_MS_CONFIG,
                            String.valueOf(topic.retention().toMillis())));
            admin.createTopics(Set.of(create)).all().get(10, TimeUnit.SECONDS);
            log.info("created topic {} with {} partitions", topic.name(), topic.partitions());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new KafkaException("could not create topic " + topic.name() + ": " + e.getCause(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw new KafkaException("Kafka did not answer while checking topic " + topic.name(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted", e);
        }
    }
}
