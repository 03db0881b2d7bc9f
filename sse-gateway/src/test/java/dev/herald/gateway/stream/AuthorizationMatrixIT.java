package dev.herald.gateway.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Action;
import dev.herald.contracts.ServiceEvent;
import dev.herald.gateway.GatewayIntegrationTest;
import dev.herald.gateway.SseTestClient;
import dev.herald.gateway.TestEvents;
import dev.herald.testsupport.HeraldIssuer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthorizationMatrixIT extends GatewayIntegrationTest {

    @Test
    void deliversEachEventExactlyToItsOwnerAndAdmins() {
        String alice = unique("alice");
        String bob = unique("bob");
        String carol = unique("carol");
        try (SseTestClient admin = connect(HeraldIssuer.token(unique("admin"), "admin"));
                SseTestClient keycloakAdmin = connect(HeraldIssuer.keycloakStyleToken(unique("kc-admin"), "admin"));
                SseTestClient aliceStream = connect(HeraldIssuer.token(alice, "user"));
                SseTestClient aliceDeletesOnly =
                        connect(HeraldIssuer.token(alice, "user"), "/events?types=notes:deleted");
                SseTestClient bobStream = connect(HeraldIssuer.token(bob, "user"))) {

            ServiceEvent aliceCreated = TestEvents.publish(alice, Action.CREATED);
            ServiceEvent bobUpdated = TestEvents.publish(bob, Action.UPDATED);
            ServiceEvent carolDeleted = TestEvents.publish(carol, Action.DELETED);
            ServiceEvent aliceDeleted = TestEvents.publish(alice, Action.DELETED);
            List<ServiceEvent> all = List.of(aliceCreated, bobUpdated, carolDeleted, aliceDeleted);

            assertReceivesExactly(admin, all, all);
            assertReceivesExactly(keycloakAdmin, all, all);
            assertReceivesExactly(aliceStream, all, List.of(aliceCreated, aliceDeleted));
            assertReceivesExactly(aliceDeletesOnly, all, List.of(aliceDeleted));
            assertReceivesExactly(bobStream, all, List.of(bobUpdated));

            assertThat(aliceStream
                            .eventsContaining(aliceCreated.id().toString())
                            .getFirst()
                            .name())
                    .isEqualTo("notes:created");
            assertThat(bobStream
                            .eventsContaining(bobUpdated.id().toString())
                            .getFirst()
                            .name())
                    .isEqualTo("notes:updated");
        }
    }

    @Test
    void anEventGoesToTheNotesOwnerAndAdminsWhoeverPerformedIt() {
        String alice = unique("alice");
        String bob = unique("bob");
        String root = unique("root");
        try (SseTestClient admin = connect(HeraldIssuer.token(root, "admin"));
                SseTestClient keycloakAdmin = connect(HeraldIssuer.keycloakStyleToken(unique("kc-admin"), "admin"));
                SseTestClient aliceStream = connect(HeraldIssuer.token(alice, "user"));
                SseTestClient bobStream = connect(HeraldIssuer.token(bob, "user"))) {

            ServiceEvent adminUpdatesAlices =
                    TestEvents.publish(TestEvents.note(alice, root, Action.UPDATED, "edited"));
            ServiceEvent systemDeletesAlices =
                    TestEvents.publish(TestEvents.note(alice, null, Action.DELETED, "expired"));
            ServiceEvent adminWritesForBob = TestEvents.publish(TestEvents.note(bob, root, Action.CREATED, "for bob"));
            List<ServiceEvent> all = List.of(adminUpdatesAlices, systemDeletesAlices, adminWritesForBob);

            assertReceivesExactly(aliceStream, all, List.of(adminUpdatesAlices, systemDeletesAlices));
            assertReceivesExactly(bobStream, all, List.of(adminWritesForBob));
            assertReceivesExactly(admin, all, all);
            assertReceivesExactly(keycloakAdmin, all, all);
            assertThat(aliceStream
                            .eventsContaining(systemDeletesAlices.id().toString())
                            .getFirst()
                            .data())
                    .as("a system event carries no user")
                    .doesNotContain("\"user\"");
        }
    }

    @Test
    void refusesStreamsWithoutAValidTokenForThisAudience() {
        try (SseTestClient anonymous = SseTestClient.get(port, "/events", Map.of());
                SseTestClient otherAudience = SseTestClient.get(
                        port, "/events", bearer(HeraldIssuer.tokenForAudience(unique("mallory"), "another-api")));
                SseTestClient garbage = SseTestClient.get(port, "/events", bearer("not-a-jwt"))) {
            assertThat(anonymous.status()).isEqualTo(401);
            assertThat(otherAudience.status()).isEqualTo(401);
            assertThat(garbage.status()).isEqualTo(401);
        }
    }

    @Test
    void refusesAnUnknownEventType() {
        try (SseTestClient client = SseTestClient.get(
                port, "/events?types=notes:exploded", bearer(HeraldIssuer.token(unique("alice"), "user")))) {
            assertThat(client.status()).isEqualTo(400);
            assertThat(client.header("content-type")).startsWith("application/problem+json");
        }
    }

    /**
     * Waits until the stream holds its expected events of {@code published}, then that nothing more arrives;
     * compares lists, so an event delivered twice fails (the order across partitions is not the publish order).
     */
    private static void assertReceivesExactly(
            SseTestClient stream, List<ServiceEvent> published, List<ServiceEvent> expected) {
        List<String> expectedIds = ids(expected);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> received(stream, published).containsAll(expectedIds));
        await().during(Duration.ofMillis(500))
                .atMost(Duration.ofSeconds(5))
                .until(() -> received(stream, published).size() == expectedIds.size());
        assertThat(received(stream, published)).containsExactlyInAnyOrderElementsOf(expectedIds);
    }

    private static List<String> received(SseTestClient stream, List<ServiceEvent> published) {
        List<String> ids = ids(published);
        return stream.events().stream()
                .filter(event -> event.name().startsWith("notes:"))
                .map(event -> event.data().substring(7, 43)) // {"id":"<uuid>"
                .filter(ids::contains)
                .toList();
    }

    private static List<String> ids(List<ServiceEvent> events) {
        return events.stream().map(event -> event.id().toString()).toList();
    }
}
