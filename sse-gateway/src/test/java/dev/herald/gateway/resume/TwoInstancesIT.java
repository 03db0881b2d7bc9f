package dev.herald.gateway.resume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Action;
import dev.herald.contracts.ServiceEvent;
import dev.herald.contracts.Topics;
import dev.herald.gateway.GatewayIntegrationTest;
import dev.herald.gateway.SecondInstance;
import dev.herald.gateway.SseTestClient;
import dev.herald.gateway.TestEvents;
import dev.herald.gateway.fanout.ResumeSource;
import dev.herald.testsupport.HeraldIssuer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A client of one instance resumes on another: any instance can interpret any instance's ids. */
class TwoInstancesIT extends GatewayIntegrationTest {

    private static SecondInstance second;

    @BeforeAll
    static void startSecondInstance() {
        second = SecondInstance.start("herald.gateway.drain.window=100ms");
    }

    @AfterAll
    static void stopSecondInstance() {
        second.close();
    }

    @Test
    void aClientOfOneInstanceResumesOnAnotherWithNothingMissedOrRepeated() {
        String alice = unique("alice");
        String bob = unique("bob");
        String token = HeraldIssuer.token(alice, "user");
        double resumedOnSecond = second.metrics().resumes(ResumeSource.MEMORY);
        String lastId;
        try (SseTestClient first = connect(token)) {
            ServiceEvent seen = TestEvents.publish(alice, Action.CREATED);
            await().atMost(Duration.ofSeconds(10)).until(() -> eventIds(first).contains(seen.id()));
            lastId = first.lastId();
        }
        List<UUID> missed = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            missed.add(TestEvents.publish(alice, Action.values()[i % 3]).id());
            TestEvents.publish(bob, Action.UPDATED);
        }

        try (SseTestClient resumed = resume(second.port(), token, "/events", lastId)) {
            ResumeIT.awaitCount(resumed, 15);
            ServiceEvent live = TestEvents.publish(alice, Action.DELETED);
            ResumeIT.awaitCount(resumed, 16);

            assertThat(eventIds(resumed).subList(0, 15)).containsExactlyInAnyOrderElementsOf(missed);
            assertThat(eventIds(resumed)).hasSize(16).endsWith(live.id());
            assertThat(resumed.named("reset")).isEmpty();
            KafkaReplayIT.assertIdsNeverGoBack(resumed, Topics.NOTES_EVENTS);
        }
        assertThat(second.metrics().resumes(ResumeSource.MEMORY)).isGreaterThan(resumedOnSecond);
    }

    @Test
    void aClientMovesBackAndForthBetweenInstancesWithoutGapsOrRepeats() {
        String alice = unique("alice");
        String token = HeraldIssuer.token(alice, "user");
        List<UUID> published = new ArrayList<>();
        List<UUID> received = new ArrayList<>();
        String lastId = null;
        for (int hop = 0; hop < 5; hop++) {
            int target = hop % 2 == 0 ? port : second.port();
            SseTestClient stream = lastId == null ? connect(token) : resume(target, token, "/events", lastId);
            try (stream) {
                for (int i = 0; i < 3; i++) {
                    published.add(TestEvents.publish(alice, Action.UPDATED).id());
                }
                ResumeIT.awaitCount(stream, published.size() - received.size());
                received.addAll(eventIds(stream));
                lastId = stream.lastId();
            }
            published.add(TestEvents.publish(alice, Action.CREATED).id()); // missed while away: the next hop replays it
        }
        try (SseTestClient last = resume(token, lastId)) {
            ResumeIT.awaitCount(last, 1);
            received.addAll(eventIds(last));
        }
        assertThat(received).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(published);
    }
}
