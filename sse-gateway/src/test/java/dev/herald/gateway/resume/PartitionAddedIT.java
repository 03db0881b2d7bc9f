package dev.herald.gateway.resume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Action;
import dev.herald.contracts.ServiceEvent;
import dev.herald.gateway.SecondInstance;
import dev.herald.gateway.SseTestClient;
import dev.herald.gateway.TestEvents;
import dev.herald.testsupport.HeraldIssuer;
import dev.herald.testsupport.HeraldKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.junit.jupiter.api.Test;

/**
 * A partition added to the topic while an instance runs: the instance reads it from its beginning, so its
 * events reach live streams, and a client whose last id predates the partition resumes with its events
 * too (a position stands at 0 on a partition it does not know). An instance of its own on a topic of its
 * own: the shared topic's partition count stays as the other tests expect it.
 */
class PartitionAddedIT {

    private static final String TOPIC = "partitions.added";

    static {
        HeraldKafka.ensureTopic(TOPIC, 2);
    }

    @Test
    void eventsOfAPartitionAddedAtRuntimeReachLiveAndResumingStreams() throws Exception {
        String alice = unique("alice");
        String token = HeraldIssuer.token(alice, "user");
        try (SecondInstance gateway = SecondInstance.start("herald.gateway.kafka.topic=" + TOPIC)) {
            int port = gateway.port();
            String idBeforeThePartition;
            try (SseTestClient first = SseTestClient.get(port, "/events", SseTestClient.bearer(token))) {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> !first.events().isEmpty());
                ServiceEvent seen = TestEvents.publishTo(TOPIC, 1, TestEvents.note(alice, Action.CREATED, "before"));
                await().atMost(Duration.ofSeconds(10))
                        .until(() ->
                                !first.eventsContaining(seen.id().toString()).isEmpty());
                idBeforeThePartition = first.lastId();
            }
            assertThat(ResumePosition.decode(TOPIC, idBeforeThePartition).partitionCount())
                    .isEqualTo(2);

            try (SseTestClient live = SseTestClient.get(port, "/events", SseTestClient.bearer(token))) {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> !live.events().isEmpty());
                addPartition();
                ServiceEvent onTheNewPartition =
                        TestEvents.publishTo(TOPIC, 2, TestEvents.note(alice, Action.CREATED, "new"));
                ServiceEvent onAnOldOne = TestEvents.publishTo(TOPIC, 0, TestEvents.note(alice, Action.UPDATED, "old"));

                await().atMost(Duration.ofSeconds(15))
                        .until(() -> eventIdsOf(live).size() >= 2);
                assertThat(eventIdsOf(live))
                        .containsExactlyInAnyOrder(
                                onTheNewPartition.id().toString(),
                                onAnOldOne.id().toString());
                ResumePosition after = ResumePosition.decode(TOPIC, live.lastId());
                assertThat(after.partitionCount())
                        .as("ids now cover the new partition")
                        .isEqualTo(3);
                assertThat(after.nextOffset(2)).isEqualTo(1);

                try (SseTestClient resumed = SseTestClient.get(
                        port,
                        "/events",
                        Map.of("Authorization", "Bearer " + token, "Last-Event-ID", idBeforeThePartition))) {
                    await().atMost(Duration.ofSeconds(15))
                            .until(() -> eventIdsOf(resumed).size() >= 2);
                    assertThat(eventIdsOf(resumed))
                            .containsExactlyInAnyOrder(
                                    onTheNewPartition.id().toString(),
                                    onAnOldOne.id().toString());
                    assertThat(resumed.named("reset")).isEmpty();
                }
            }
        }
    }

    private static void addPartition() throws Exception {
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, HeraldKafka.bootstrapServers()))) {
            admin.createPartitions(Map.of(TOPIC, NewPartitions.increaseTo(3)))
                    .all()
                    .get();
        }
    }

    private static String unique(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static List<String> eventIdsOf(SseTestClient stream) {
        return stream.events().stream()
                .filter(event -> event.name().startsWith("notes:"))
                .map(event -> event.data().substring(7, 43))
                .toList();
    }
}
