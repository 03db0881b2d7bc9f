package dev.herald.gateway.resume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.contracts.Action;
import dev.herald.contracts.ServiceEvent;
import dev.herald.gateway.GatewayIntegrationTest;
import dev.herald.gateway.GatewayProcess;
import dev.herald.gateway.SseTestClient;
import dev.herald.gateway.TestEvents;
import dev.herald.gateway.fanout.ResumeSource;
import dev.herald.testsupport.HeraldIssuer;
import dev.herald.testsupport.HeraldKafka;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Kill one of two instances: a gateway process started from the boot jar holds 500 streams while events
 * flow; it is killed hard (SIGKILL, no drain). Every client reconnects to the survivor (this test's
 * gateway) with its last id, and at the end each holds exactly the events it may see: none lost, none
 * duplicated.
 */
class InstanceLossIT extends GatewayIntegrationTest {

    private static final int USERS = 100;
    private static final int STREAMS_PER_USER = 5;
    private static final int ADMINS = 2;
    private static final int EVENTS_PER_SECOND = 150;

    private @Nullable GatewayProcess victim;

    @AfterEach
    void killTheVictim() throws InterruptedException {
        if (victim != null) {
            victim.kill();
        }
    }

    @Test
    void everyClientOfAKilledInstanceResumesOnTheSurvivorWithNothingLostOrRepeated() throws Exception {
        GatewayProcess started = startFromBootJar();
        victim = started;
        int victimPort = started.port();
        List<String> users = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            users.add(unique("lost"));
        }
        awaitAdmitting(victimPort, HeraldIssuer.token(unique("probe"), "user"));

        List<ResumingClient> clients = new CopyOnWriteArrayList<>();
        try {
            run(users, clients, victimPort);
        } finally { // streams left open in the shared context would fail the classes that run after this one
            clients.forEach(ResumingClient::close);
        }
    }

    private void run(List<String> users, List<ResumingClient> clients, int victimPort) throws Exception {
        String adminRole = "admin";
        for (int u = 0; u < USERS; u++) {
            boolean admin = u < ADMINS;
            String token =
                    admin ? HeraldIssuer.token(users.get(u), adminRole) : HeraldIssuer.token(users.get(u), "user");
            for (int s = 0; s < STREAMS_PER_USER; s++) {
                clients.add(new ResumingClient(users.get(u), admin, token, victimPort, port));
            }
        }
        clients.forEach(ResumingClient::start);
        await().atMost(Duration.ofSeconds(60)).until(() -> clients.stream().allMatch(ResumingClient::connected));
        double resumedBefore = metrics.resumes(ResumeSource.MEMORY) + metrics.resumes(ResumeSource.KAFKA);

        List<ServiceEvent> published = new ArrayList<>();
        List<Future<?>> acks = new ArrayList<>();
        publishFor(Duration.ofMillis(1500), users, published, acks);
        victim.kill();
        publishFor(Duration.ofMillis(2500), users, published, acks);
        for (Future<?> ack : acks) {
            ack.get();
        }

        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> clients.stream()
                        .allMatch(client -> client.received().size()
                                >= expected(client, published).size()));
        for (ResumingClient client : clients) {
            List<UUID> received = client.received();
            assertThat(received)
                    .as("events of %s (admin %s)", client.user, client.admin)
                    .containsExactlyInAnyOrderElementsOf(expected(client, published));
            assertThat(client.resets()).as("resets of %s", client.user).isZero();
            assertThat(client.connections())
                    .as("%s moved to the survivor", client.user)
                    .isEqualTo(2);
        }
        assertThat(metrics.resumes(ResumeSource.MEMORY) + metrics.resumes(ResumeSource.KAFKA) - resumedBefore)
                .isGreaterThanOrEqualTo(clients.size());
    }

    private static List<UUID> expected(ResumingClient client, List<ServiceEvent> published) {
        return published.stream()
                .filter(event -> client.admin || event.owner().equals(client.user))
                .map(ServiceEvent::id)
                .toList();
    }

    /** Events for random users (and some nobody watches) at a steady rate. */
    private static void publishFor(
            Duration duration, List<String> users, List<ServiceEvent> published, List<Future<?>> acks)
            throws InterruptedException {
        long end = System.nanoTime() + duration.toNanos();
        long interval = 1_000_000_000L / EVENTS_PER_SECOND;
        long next = System.nanoTime();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (next < end) {
            String owner = random.nextInt(10) == 0 ? "nobody" : users.get(random.nextInt(users.size()));
            ServiceEvent event = TestEvents.note(owner, Action.values()[random.nextInt(3)], "flowing");
            published.add(event);
            acks.add(TestEvents.publishAsync(event));
            next += interval;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(Duration.ofNanos(wait)); // pacing the producer, not waiting for a result
            }
        }
    }

    /** The gateway's boot jar in a process of its own: a small ring, frequent checkpoints. */
    private static GatewayProcess startFromBootJar() throws IOException {
        return GatewayProcess.start(
                Path.of(System.getProperty("basedir", "."), "target", "instance-loss-victim.log"),
                List.of("-Xmx384m", "-XX:TieredStopAtLevel=1", "-Xss512k"),
                List.of(
                        "--spring.kafka.bootstrap-servers=" + HeraldKafka.bootstrapServers(),
                        "--spring.security.oauth2.resourceserver.jwt.issuer-uri=" + HeraldIssuer.issuerUri(),
                        "--herald.gateway.session.secure=false",
                        "--herald.gateway.resume.checkpoint-interval=500ms",
                        "--herald.gateway.resume.ring-size=2000"));
    }

    private static void awaitAdmitting(int port, String token) {
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    try (SseTestClient probe = SseTestClient.tryGet(port, "/events", SseTestClient.bearer(token))) {
                        return probe.status() == 200;
                    } catch (IOException | RuntimeException e) {
                        return false;
                    }
                });
    }

    /** A client as a browser's EventSource behaves: on loss, it reconnects (here: to the survivor) with its last id. */
    private static final class ResumingClient {
        final String user;
        final boolean admin;
        private final String token;
        private final int first;
        private final int survivor;
        private final List<SseTestClient> connections = new CopyOnWriteArrayList<>();
        private volatile boolean closed;

        ResumingClient(String user, boolean admin, String token, int first, int survivor) {
            this.user = user;
            this.admin = admin;
            this.token = token;
            this.first = first;
            this.survivor = survivor;
        }

        void start() {
            Thread.ofVirtual().name("resuming-client").start(this::run);
        }

        private void run() {
            try {
                SseTestClient stream = SseTestClient.get(first, "/events", SseTestClient.bearer(token));
                connections.add(stream);
                while (!stream.awaitEnd(Duration.ofSeconds(1))) {
                    if (closed) {
                        return;
                    }
                }
                String lastId = stream.lastId();
                while (!closed) {
                    try {
                        SseTestClient next = SseTestClient.tryGet(
                                survivor,
                                "/events",
                                lastId == null
                                        ? SseTestClient.bearer(token)
                                        : Map.of("Authorization", "Bearer " + token, "Last-Event-ID", lastId));
                        if (next.status() == 200) {
                            connections.add(next);
                            return;
                        }
                        next.close();
                    } catch (IOException e) {
                        // the survivor is busy: try again, as EventSource would after its retry delay
                    }
                    Thread.sleep(100);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        boolean connected() {
            return !connections.isEmpty() && !connections.getFirst().events().isEmpty();
        }

        List<UUID> received() {
            List<UUID> all = new ArrayList<>();
            for (SseTestClient connection : connections) {
                all.addAll(eventIds(connection));
            }
            return all;
        }

        long resets() {
            return connections.stream()
                    .mapToLong(connection -> connection.named("reset").size())
                    .sum();
        }

        int connections() {
            return connections.size();
        }

        void close() {
            closed = true;
            connections.forEach(SseTestClient::close);
        }
    }
}
