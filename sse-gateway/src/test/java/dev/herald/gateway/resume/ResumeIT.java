package dev.herald.gateway.resume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Action;
import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.Topics;
import dev.herald.gateway.GatewayIntegrationTest;
import dev.herald.gateway.SseTestClient;
import dev.herald.gateway.TestEvents;
import dev.herald.gateway.fanout.ResumeSource;
import dev.herald.testsupport.HeraldIssuer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Resume from the in-memory ring: the seam, both id forms, resets, authorization, checkpoints. */
class ResumeIT extends GatewayIntegrationTest {

    private static final Action[] ACTIONS = Action.values();

    @Test
    void resumesExactlyTheMissedEventsFromMemoryThenGoesLive() {
        String alice = unique("alice");
        String bob = unique("bob");
        String token = HeraldIssuer.token(alice, "user");
        double fromMemory = metrics.resumes(ResumeSource.MEMORY);
        try (SseTestClient witness = connect(token)) {
            String lastId = lastIdAfterOneEvent(token, alice);
            List<UUID> missed = publishMissed(alice, bob, 12);
            awaitCount(witness, 13);

            try (SseTestClient resumed = resume(token, lastId)) {
                assertThat(resumed.events().getFirst().data()).isEqualTo("{\"type\":\"connected\"}");
                assertThat(resumed.events().getFirst().ownId())
                        .as("a resuming stream's connected frame has no id: the client keeps its own")
                        .isNull();
                awaitCount(resumed, 12);
                ServiceEvent live = TestEvents.publish(alice, Action.UPDATED);
                awaitCount(resumed, 13);
                awaitCount(witness, 14);

                assertThat(eventIds(resumed))
                        .as("the missed events in the instance's order, then the live one")
                        .containsExactlyElementsOf(eventIds(witness).subList(1, 14));
                assertThat(eventIds(resumed).subList(0, 12)).containsExactlyInAnyOrderElementsOf(missed);
                assertThat(eventIds(resumed).getLast()).isEqualTo(live.id());
                assertThat(resumed.named("reset")).isEmpty();
            }
        }
        assertThat(metrics.resumes(ResumeSource.MEMORY)).isGreaterThan(fromMemory);
    }

    @Test
    void resumesFromTheLastEventIdQueryParameter() {
        String alice = unique("alice");
        String token = HeraldIssuer.token(alice, "user");
        String lastId = lastIdAfterOneEvent(token, alice);
        List<UUID> missed = publishMissed(alice, unique("bob"), 5);

        try (SseTestClient resumed = connect(token, "/events?lastEventId=" + lastId)) {
            awaitCount(resumed, 5);
            ServiceEvent live = TestEvents.publish(alice, Action.DELETED);
            awaitCount(resumed, 6);

            assertThat(eventIds(resumed).subList(0, 5)).containsExactlyInAnyOrderElementsOf(missed);
            assertThat(eventIds(resumed)).hasSize(6).endsWith(live.id());
        }
    }

    @Test
    void theLastEventIdHeaderWinsOverTheQueryParameter() {
        String alice = unique("alice");
        String token = HeraldIssuer.token(alice, "user");
        String lastId = lastIdAfterOneEvent(token, alice);
        List<UUID> missed = publishMissed(alice, unique("bob"), 3);

        try (SseTestClient resumed = resume(port, token, "/events?lastEventId=garbage", lastId)) {
            awaitCount(resumed, 3);
            assertThat(eventIds(resumed)).containsExactlyInAnyOrderElementsOf(missed);
            assertThat(resumed.named("reset")).isEmpty();
        }
    }

    @Test
    void garbageInLastEventIdGetsAResetThenTheLiveStreamNeverAnError() {
        String alice = unique("alice");
        String token = HeraldIssuer.token(alice, "user");
        double resets = metrics.resumes(ResumeSource.RESET);
        for (String garbage :
                List.of("not a position!", "AAAA", "AdTY1QPAhD2_hD2HrUs" + "x".repeat(40), "////", "\u00e9t\u00e9")) {
            try (SseTestClient stream = resume(token, garbage)) {
                assertThat(stream.status()).isEqualTo(200);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> !stream.named("reset").isEmpty());
                assertThat(stream.named("reset").getFirst().data()).contains("\"reason\":\"unreadable\"");
                assertThat(stream.named("reset").getFirst().ownId())
                        .as("the reset moves the client to the live position")
                        .isNotNull()
                        .isNotEqualTo(garbage);
                ServiceEvent live = TestEvents.publish(alice, Action.CREATED);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> eventIds(stream).contains(live.id()));
            }
        }
        for (String query : List.of("/events?lastEventId=%25%25garbage", "/events?lastEventId=%E9t%E9")) {
            try (SseTestClient stream = connect(token, query)) {
                assertThat(stream.status()).as(query).isEqualTo(200);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> !stream.named("reset").isEmpty());
            }
        }
        try (SseTestClient notAUri = SseTestClient.get(port, "/events?lastEventId=%ZZ%", bearer(token))) {
            assertThat(notAUri.status())
                    .as("a request line that is not a URI is refused by the server")
                    .isEqualTo(400);
        }
        assertThat(metrics.resumes(ResumeSource.RESET)).isGreaterThanOrEqualTo(resets + 7);
    }

    @Test
    void aPositionOfAnotherTopicGetsAReset() {
        String alice = unique("alice");
        String token = HeraldIssuer.token(alice, "user");
        String foreign = ResumePosition.of(5, 5, 5).encode(Topics.NOTES_EVENTS + ".other");
        try (SseTestClient stream = resume(token, foreign)) {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !stream.named("reset").isEmpty());
            assertThat(stream.named("reset").getFirst().data())
                    .isEqualTo("{\"type\":\"reset\",\"reason\":\"foreign-topic\"}");
            ServiceEvent live = TestEvents.publish(alice, Action.CREATED);
            await().atMost(Duration.ofSeconds(10)).until(() -> eventIds(stream).contains(live.id()));
            assertThat(eventIds(stream)).containsExactly(live.id());
        }
    }

    @Test
    void aResumedStreamCarriesOnlyWhatItsViewerMaySeeAndAskedFor() {
        String alice = unique("alice");
        String bob = unique("bob");
        String aliceToken = HeraldIssuer.token(alice, "user");
        String adminToken = HeraldIssuer.token(unique("root"), "admin");
        String aliceId = lastIdAfterOneEvent(aliceToken, alice);
        String adminId;
        try (SseTestClient admin = connect(adminToken)) {
            adminId = admin.lastId();
        }
        List<ServiceEvent> alices = new ArrayList<>();
        List<ServiceEvent> bobs = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            alices.add(TestEvents.publish(alice, ACTIONS[i % 3]));
            bobs.add(TestEvents.publish(bob, ACTIONS[i % 3]));
        }
        List<UUID> alicesDeletes = alices.stream()
                .filter(e -> e.action() == Action.DELETED)
                .map(ServiceEvent::id)
                .toList();

        try (SseTestClient aliceAll = resume(aliceToken, aliceId);
                SseTestClient aliceDeletes = resume(port, aliceToken, "/events?types=notes:deleted", aliceId);
                SseTestClient aliceCreatesAndDeletes =
                        resume(port, aliceToken, "/events?types=notes:created,notes:deleted", aliceId);
                SseTestClient admin = resume(adminToken, adminId)) {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> eventIds(aliceAll).size() >= 9
                            && eventIds(aliceDeletes).size() >= 3
                            && eventIds(admin).containsAll(ids(bobs))
                            && eventIds(admin).containsAll(ids(alices)));
            ServiceEvent fence = TestEvents.publish(alice, Action.DELETED);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> eventIds(aliceAll).contains(fence.id())
                            && eventIds(aliceDeletes).contains(fence.id()));

            assertThat(eventIds(aliceAll)).containsExactlyInAnyOrderElementsOf(concat(ids(alices), fence.id()));
            assertThat(eventIds(aliceDeletes)).containsExactlyInAnyOrderElementsOf(concat(alicesDeletes, fence.id()));
            List<UUID> alicesCreatesAndDeletes = alices.stream()
                    .filter(e -> e.action() != Action.UPDATED)
                    .map(ServiceEvent::id)
                    .toList();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> eventIds(aliceCreatesAndDeletes).contains(fence.id()));
            assertThat(eventIds(aliceCreatesAndDeletes))
                    .containsExactlyInAnyOrderElementsOf(concat(alicesCreatesAndDeletes, fence.id()));
            assertThat(aliceAll.events()).noneMatch(event -> event.data().contains(bob));
        }
    }

    @Test
    void aResumedStreamGetsTheEventsOnItsUsersNotesWhoeverPerformedThem() {
        String alice = unique("alice");
        String bob = unique("bob");
        String root = unique("root");
        String aliceToken = HeraldIssuer.token(alice, "user");
        String bobToken = HeraldIssuer.token(bob, "user");
        String adminToken = HeraldIssuer.token(root, "admin");
        String aliceId = lastIdAfterOneEvent(aliceToken, alice);
        String bobId = lastIdAfterOneEvent(bobToken, bob);
        String adminId;
        try (SseTestClient admin = connect(adminToken)) {
            adminId = admin.lastId();
        }
        ServiceEvent adminUpdatesAlices = TestEvents.publish(TestEvents.note(alice, root, Action.UPDATED, "edited"));
        ServiceEvent systemDeletesAlices = TestEvents.publish(TestEvents.note(alice, null, Action.DELETED, "expired"));
        ServiceEvent adminWritesForBob = TestEvents.publish(TestEvents.note(bob, root, Action.CREATED, "for bob"));
        ServiceEvent bobWritesHisOwn = TestEvents.publish(TestEvents.note(bob, bob, Action.CREATED, "mine"));
        double fromMemory = metrics.resumes(ResumeSource.MEMORY);

        try (SseTestClient aliceResumed = resume(aliceToken, aliceId);
                SseTestClient bobResumed = resume(bobToken, bobId);
                SseTestClient adminResumed = resume(adminToken, adminId)) {
            awaitCount(aliceResumed, 2);
            awaitCount(bobResumed, 2);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> eventIds(adminResumed)
                            .containsAll(ids(List.of(
                                    adminUpdatesAlices, systemDeletesAlices, adminWritesForBob, bobWritesHisOwn))));
            ServiceEvent fence = TestEvents.publish(alice, Action.CREATED);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> eventIds(aliceResumed).contains(fence.id()));

            assertThat(eventIds(aliceResumed)).hasSize(3).endsWith(fence.id());
            assertThat(eventIds(aliceResumed).subList(0, 2))
                    .containsExactlyInAnyOrder(adminUpdatesAlices.id(), systemDeletesAlices.id());
            assertThat(eventIds(bobResumed)).containsExactlyInAnyOrder(adminWritesForBob.id(), bobWritesHisOwn.id());
            assertThat(
                            eventIds(adminResumed).stream()
                                    .filter(ids(List.of(
                                            adminUpdatesAlices,
                                            systemDeletesAlices,
                                            adminWritesForBob,
                                            bobWritesHisOwn))::contains)
                                    .toList())
                    .containsExactlyInAnyOrder(
                            adminUpdatesAlices.id(),
                            systemDeletesAlices.id(),
                            adminWritesForBob.id(),
                            bobWritesHisOwn.id());
        }
        assertThat(metrics.resumes(ResumeSource.MEMORY)).isGreaterThanOrEqualTo(fromMemory + 3);
    }

    @Test
    void aQuietStreamGetsPositionCheckpointsAndResumesFromThem() {
        String quiet = unique("quiet");
        String other = unique("other");
        String token = HeraldIssuer.token(quiet, "user");
        String adminToken = HeraldIssuer.token(unique("root"), "admin");
        try (SseTestClient admin = connect(adminToken);
                SseTestClient stream = connect(token)) {
            String initial = stream.lastId();
            List<ServiceEvent> others = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                others.add(TestEvents.publish(other, Action.CREATED));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> eventIds(admin).containsAll(ids(others)));
            ResumePosition afterOthers = ResumePosition.decode(Topics.NOTES_EVENTS, admin.lastId());

            await().atMost(Duration.ofSeconds(5))
                    .until(() -> atOrPast(ResumePosition.decode(Topics.NOTES_EVENTS, stream.lastId()), afterOthers));
            assertThat(stream.lastId()).isNotEqualTo(initial);
            assertThat(eventIds(stream)).as("a checkpoint fires no event").isEmpty();
            assertThat(stream.events())
                    .as("the connected frame is the only event")
                    .hasSize(1);
            assertThat(stream.raw()).as("a checkpoint is an id: line alone").containsPattern("\n\nid: [^\n]+\n\n");

            String checkpoint = stream.lastId();
            stream.close();
            try (SseTestClient resumed = resume(token, checkpoint)) {
                ServiceEvent mine = TestEvents.publish(quiet, Action.CREATED);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> eventIds(resumed).contains(mine.id()));
                assertThat(eventIds(resumed)).containsExactly(mine.id());
            }
        }
    }

    /** A stream of {@code owner} that receives one event and leaves: its last id. */
    private String lastIdAfterOneEvent(String token, String owner) {
        try (SseTestClient first = connect(token)) {
            ServiceEvent seen = TestEvents.publish(owner, Action.CREATED);
            await().atMost(Duration.ofSeconds(10)).until(() -> eventIds(first).contains(seen.id()));
            return first.lastId();
        }
    }

    /** Publishes {@code count} events of {@code owner}, each followed by one of {@code other}; the owner's ids. */
    private static List<UUID> publishMissed(String owner, String other, int count) {
        List<UUID> missed = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            missed.add(TestEvents.publish(owner, ACTIONS[i % 3]).id());
            TestEvents.publish(other, Action.CREATED);
        }
        return missed;
    }

    static void awaitCount(SseTestClient client, int events) {
        await().atMost(Duration.ofSeconds(15)).until(() -> eventIds(client).size() >= events);
    }

    private static List<UUID> ids(List<ServiceEvent> events) {
        return events.stream().map(ServiceEvent::id).toList();
    }

    private static List<UUID> concat(List<UUID> ids, UUID last) {
        List<UUID> all = new ArrayList<>(ids);
        all.add(last);
        return all;
    }

    static boolean atOrPast(ResumePosition position, ResumePosition other) {
        for (int p = 0; p < Math.max(position.partitionCount(), other.partitionCount()); p++) {
            if (position.nextOffset(p) < other.nextOffset(p)) {
                return false;
            }
        }
        return true;
    }
}
