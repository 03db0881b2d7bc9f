package dev.herald.gateway.resume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Action;
import dev.herald.contracts.ServiceEvent;
import dev.herald.gateway.GatewayIntegrationTest;
import dev.herald.gateway.LineBreaks;
import dev.herald.gateway.SseTestClient;
import dev.herald.gateway.TestEvents;
import dev.herald.gateway.fanout.ResumeSource;
import dev.herald.testsupport.HeraldIssuer;
import dev.herald.testsupport.HeraldKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * Resume when the ring is too small to hold what a client missed: Kafka's replay readers serve it, and a
 * position older than the topic's retention (log start moved past it) gets a reset. A topic of its own,
 * so moving its log start disturbs no other test.
 */
@TestPropertySource(
        properties = {
            "herald.gateway.kafka.topic=" + KafkaReplayIT.TOPIC,
            "herald.gateway.resume.ring-size=16",
            "herald.gateway.resume.fill=false",
            "herald.gateway.resume.replay-readers=2"
        })
class KafkaReplayIT extends GatewayIntegrationTest {

    static final String TOPIC = "resume.replay";

    static {
        HeraldKafka.ensureTopic(TOPIC, 3);
    }

    @Test
    void resumesFromKafkaWhenTheRingIsTooSmallThenGoesLive() {
        String alice = unique("alice");
        String bob = unique("bob");
        String token = HeraldIssuer.token(alice, "user");
        double fromKafka = metrics.resumes(ResumeSource.KAFKA);
        String lastId = lastIdAfterOneEvent(token, alice);
        List<UUID> missed = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            missed.add(publish(alice, Action.values()[i % 3]).id());
            if (i % 4 == 0) {
                publish(bob, Action.CREATED);
            }
        }

        try (SseTestClient resumed = resume(token, lastId)) {
            ResumeIT.awaitCount(resumed, 40);
            ServiceEvent live = publish(alice, Action.UPDATED);
            ResumeIT.awaitCount(resumed, 41);

            assertThat(eventIds(resumed).subList(0, 40)).containsExactlyInAnyOrderElementsOf(missed);
            assertThat(eventIds(resumed)).hasSize(41).endsWith(live.id());
            assertThat(resumed.named("reset")).isEmpty();
            assertIdsNeverGoBack(resumed);
        }
        assertThat(metrics.resumes(ResumeSource.KAFKA)).isGreaterThan(fromKafka);
    }

    @Test
    void aReplayFromKafkaCarriesTheEventsOnTheUsersNotesWhoeverPerformedThem() {
        String alice = unique("alice");
        String bob = unique("bob");
        String root = unique("root");
        String aliceToken = HeraldIssuer.token(alice, "user");
        String bobToken = HeraldIssuer.token(bob, "user");
        String adminToken = HeraldIssuer.token(root, "admin");
        String aliceId = lastIdAfterOneEvent(aliceToken, alice);
        String bobId = lastIdAfterOneEvent(bobToken, bob);
        String adminId = lastIdAfterOneEvent(adminToken, root);
        double fromKafka = metrics.resumes(ResumeSource.KAFKA);
        List<UUID> alices = new ArrayList<>();
        List<UUID> bobs = new ArrayList<>();
        for (int i = 0; i < 8; i++) { // 24 events: more than the ring holds
            alices.add(publish(TestEvents.note(alice, root, Action.UPDATED, "an admin edits"))
                    .id());
            alices.add(publish(TestEvents.note(alice, null, Action.DELETED, "the system deletes"))
                    .id());
            bobs.add(publish(TestEvents.note(bob, root, Action.CREATED, "an admin writes for bob"))
                    .id());
        }

        try (SseTestClient aliceResumed = resume(aliceToken, aliceId);
                SseTestClient bobResumed = resume(bobToken, bobId);
                SseTestClient adminResumed = resume(adminToken, adminId)) {
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> eventIds(aliceResumed).size() >= 16
                            && eventIds(bobResumed).size() >= 8
                            && eventIds(adminResumed).size() >= 24);
            ServiceEvent fence = publish(TestEvents.note(alice, root, Action.DELETED, "fence"));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> eventIds(aliceResumed).contains(fence.id())
                            && eventIds(adminResumed).contains(fence.id()));

            assertThat(eventIds(aliceResumed)).hasSize(17).endsWith(fence.id());
            assertThat(eventIds(aliceResumed).subList(0, 16)).containsExactlyInAnyOrderElementsOf(alices);
            assertThat(eventIds(bobResumed)).containsExactlyInAnyOrderElementsOf(bobs);
            List<UUID> everything = new ArrayList<>(alices);
            everything.addAll(bobs);
            assertThat(eventIds(adminResumed)).hasSize(25).endsWith(fence.id());
            assertThat(eventIds(adminResumed).subList(0, 24)).containsExactlyInAnyOrderElementsOf(everything);
            assertThat(aliceResumed.named("reset")).isEmpty();
            assertThat(adminResumed.named("reset")).isEmpty();
        }
        assertThat(metrics.resumes(ResumeSource.KAFKA)).isGreaterThanOrEqualTo(fromKafka + 3);
    }

    @Test
    void aReplayedEventWhoseRecordValueHoldsLineBreaksIsWrittenAsOneDataLine() {
        String alice = unique("alice");
        String token = HeraldIssuer.token(alice, "user");
        String lastId = lastIdAfterOneEvent(token, alice);
        double fromKafka = metrics.resumes(ResumeSource.KAFKA);
        List<ServiceEvent> spaced = new ArrayList<>();
        for (String spacing : LineBreaks.SPACINGS) {
            ServiceEvent event = TestEvents.note(alice, Action.UPDATED, "spaced");
            spaced.add(TestEvents.publishRaw(TOPIC, event, LineBreaks.spread(event, spacing)));
        }
        for (int i = 0; i < 20; i++) { // more than the ring holds: the spaced ones come from Kafka
            publish(unique("bob"), Action.CREATED);
        }

        try (SseTestClient resumed = resume(token, lastId)) {
            ResumeIT.awaitCount(resumed, spaced.size());
            for (ServiceEvent event : spaced) {
                LineBreaks.assertWrittenAsOneDataLine(resumed, event);
            }
            assertThat(eventIds(resumed))
                    .containsExactlyInAnyOrderElementsOf(
                            spaced.stream().map(ServiceEvent::id).toList());
        }
        assertThat(metrics.resumes(ResumeSource.KAFKA)).isGreaterThan(fromKafka);
    }

    @Test
    void aQuietStreamsCheckpointKeepsItsResumeInMemoryWhereItsFirstIdWouldNeedKafka() {
        String quiet = unique("quiet");
        String token = HeraldIssuer.token(quiet, "user");
        try (SseTestClient stream = connect(token)) {
            String initial = stream.lastId();
            for (int i = 0; i < 24; i++) { // more than the ring holds: the first id is no longer in memory
                publish(unique("other"), Action.CREATED);
            }
            ResumePosition end = ResumePosition.of(endOffsets());
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> ResumeIT.atOrPast(ResumePosition.decode(TOPIC, stream.lastId()), end));
            assertThat(stream.events())
                    .as("the connected frame is the only event")
                    .hasSize(1);
            assertThat(stream.raw()).as("a checkpoint is an id: line alone").containsPattern("\n\nid: [^\n]+\n\n");
            String checkpoint = stream.lastId();
            assertThat(checkpoint).isNotEqualTo(initial);
            stream.close();

            double fromMemory = metrics.resumes(ResumeSource.MEMORY);
            double fromKafka = metrics.resumes(ResumeSource.KAFKA);
            try (SseTestClient resumed = resume(token, checkpoint)) {
                ServiceEvent mine = publish(quiet, Action.CREATED);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> eventIds(resumed).contains(mine.id()));
                assertThat(eventIds(resumed)).containsExactly(mine.id());
            }
            assertThat(metrics.resumes(ResumeSource.MEMORY))
                    .as("resumed from memory")
                    .isEqualTo(fromMemory + 1);
            assertThat(metrics.resumes(ResumeSource.KAFKA)).as("no Kafka read").isEqualTo(fromKafka);
        }
    }

    @Test
    void aReplayFromKafkaCarriesOnlyTheTypesAStreamAskedFor() {
        String alice = unique("alice");
        String token = HeraldIssuer.token(alice, "user");
        String lastId = lastIdAfterOneEvent(token, alice);
        String adminToken = HeraldIssuer.token(unique("root"), "admin");
        String adminId = lastIdAfterOneEvent(adminToken, unique("root"));
        List<UUID> createdOrDeleted = new ArrayList<>();
        List<UUID> updated = new ArrayList<>();
        for (int i = 0; i < 24; i++) { // more than the ring holds
            ServiceEvent event = publish(alice, Action.values()[i % 3]);
            (event.action() == Action.UPDATED ? updated : createdOrDeleted).add(event.id());
        }

        try (SseTestClient two = resume(port, token, "/events?types=notes:created,notes:deleted", lastId);
                SseTestClient one = resume(port, token, "/events?types=notes:updated", lastId);
                SseTestClient admin = resume(port, adminToken, "/events?types=notes:updated", adminId)) {
            ResumeIT.awaitCount(two, 16);
            ResumeIT.awaitCount(one, 8);
            ResumeIT.awaitCount(admin, 8);
            ServiceEvent liveUpdate = publish(alice, Action.UPDATED);
            ServiceEvent liveDelete = publish(alice, Action.DELETED);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> eventIds(two).contains(liveDelete.id())
                            && eventIds(one).contains(liveUpdate.id())
                            && eventIds(admin).contains(liveUpdate.id()));

            assertThat(eventIds(two)).hasSize(17).endsWith(liveDelete.id());
            assertThat(eventIds(two).subList(0, 16)).containsExactlyInAnyOrderElementsOf(createdOrDeleted);
            assertThat(eventIds(one)).hasSize(9).endsWith(liveUpdate.id());
            assertThat(eventIds(one).subList(0, 8)).containsExactlyInAnyOrderElementsOf(updated);
            assertThat(eventIds(admin)).hasSize(9).endsWith(liveUpdate.id());
            assertThat(eventIds(admin).subList(0, 8)).containsExactlyInAnyOrderElementsOf(updated);
        }
    }

    @Test
    void aPositionOlderThanRetentionGetsAResetThenTheLiveStream() throws Exception {
        String alice = unique("alice");
        String token = HeraldIssuer.token(alice, "user");
        String lastId = lastIdAfterOneEvent(token, alice);
        for (int i = 0; i < 24; i++) { // more than the ring holds: the position must come from Kafka
            publish(alice, Action.CREATED);
        }
        moveLogStartToTheEnd();

        try (SseTestClient resumed = resume(token, lastId)) {
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> !resumed.named("reset").isEmpty());
            assertThat(resumed.named("reset").getFirst().data())
                    .isEqualTo("{\"type\":\"reset\",\"reason\":\"expired\"}");
            assertThat(eventIds(resumed))
                    .as("nothing is replayed after a reset")
                    .isEmpty();
            ServiceEvent live = publish(alice, Action.DELETED);
            await().atMost(Duration.ofSeconds(10)).until(() -> eventIds(resumed).contains(live.id()));
            assertThat(eventIds(resumed)).containsExactly(live.id());
        }
    }

    private String lastIdAfterOneEvent(String token, String owner) {
        try (SseTestClient first = connect(token)) {
            ServiceEvent seen = publish(owner, Action.CREATED);
            await().atMost(Duration.ofSeconds(10)).until(() -> eventIds(first).contains(seen.id()));
            return first.lastId();
        }
    }

    private static ServiceEvent publish(String owner, Action action) {
        return publish(TestEvents.note(owner, action, "hello"));
    }

    private static ServiceEvent publish(ServiceEvent event) {
        return TestEvents.publishTo(TOPIC, event);
    }

    /** The next offset of every partition: the topic's end. */
    private static long[] endOffsets() {
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, HeraldKafka.bootstrapServers()))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < 3; p++) {
                latest.put(new TopicPartition(TOPIC, p), OffsetSpec.latest());
            }
            long[] ends = new long[3];
            admin.listOffsets(latest).all().get().forEach((tp, info) -> ends[tp.partition()] = info.offset());
            return ends;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** What retention does to old records: every partition's log start moves to its end. */
    private static void moveLogStartToTheEnd() throws Exception {
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, HeraldKafka.bootstrapServers()))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < 3; p++) {
                latest.put(new TopicPartition(TOPIC, p), OffsetSpec.latest());
            }
            Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
            admin.listOffsets(latest)
                    .all()
                    .get()
                    .forEach((tp, info) -> delete.put(tp, RecordsToDelete.beforeOffset(info.offset())));
            admin.deleteRecords(delete).all().get();
        }
    }

    /** Each id is a position at or past the one before it: a resumed stream never moves its client back. */
    static void assertIdsNeverGoBack(SseTestClient client) {
        assertIdsNeverGoBack(client, TOPIC);
    }

    static void assertIdsNeverGoBack(SseTestClient client, String topic) {
        @org.jspecify.annotations.Nullable ResumePosition previous = null;
        for (SseTestClient.Event event : client.events()) {
            if (event.id() == null || !event.name().startsWith("notes:")) {
                continue;
            }
            ResumePosition position = ResumePosition.decode(topic, event.id());
            if (previous != null) {
                assertThat(ResumeIT.atOrPast(position, previous))
                        .as("id %s after %s", position, previous)
                        .isTrue();
            }
            previous = position;
        }
    }
}
