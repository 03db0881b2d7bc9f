package dev.herald.gateway;

import static org.awaitility.Awaitility.await;

import dev.herald.gateway.fanout.GatewayMetrics;
import dev.herald.gateway.fanout.Hub;
import dev.herald.testsupport.HeraldIssuer;
import dev.herald.testsupport.HeraldKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Another gateway instance in this JVM (its own application context, port, consumer and ring) on the same
 * broker and topic as the test fixture's: for resumes across instances and for draining.
 */
public final class SecondInstance implements AutoCloseable {

    private final ConfigurableApplicationContext context;
    private final int port;

    private SecondInstance(ConfigurableApplicationContext context) {
        this.context = context;
        this.port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port", "0"));
    }

    /**
     * Starts an instance with the fixture's settings plus {@code extra} ({@code name=value}; a setting of the
     * fixture's named there is replaced, e.g. another broker's bootstrap servers) and waits until it admits streams.
     */
    public static SecondInstance start(String... extra) {
        SecondInstance instance = launch(extra);
        await().atMost(Duration.ofSeconds(60)).until(instance.hub()::isReady);
        return instance;
    }

    /** Starts an instance like {@link #start(String...)} but returns without waiting until it admits streams. */
    public static SecondInstance launch(String... extra) {
        List<String> args = new ArrayList<>();
        boolean ownBroker = Arrays.stream(extra).anyMatch(e -> name(e).equals("spring.kafka.bootstrap-servers"));
        List<String> settings = new ArrayList<>(List.of(
                "server.port=0",
                // the fixture's broker is started only for an instance that reads it
                "spring.kafka.bootstrap-servers=" + (ownBroker ? "" : HeraldKafka.bootstrapServers()),
                "spring.security.oauth2.resourceserver.jwt.issuer-uri=" + HeraldIssuer.issuerUri(),
                "herald.gateway.heartbeat=400ms",
                "herald.gateway.tick=100ms",
                "herald.gateway.kafka.partition-refresh=1s",
                "herald.gateway.session.secure=false",
                "herald.gateway.resume.checkpoint-interval=300ms",
                "herald.gateway.flow.slow-grace=5s",
                "spring.main.banner-mode=off"));
        settings.removeIf(setting -> Arrays.stream(extra).anyMatch(e -> name(e).equals(name(setting))));
        settings.addAll(List.of(extra));
        for (String setting : settings) {
            args.add("--" + setting);
        }
        ConfigurableApplicationContext context =
                new SpringApplicationBuilder(GatewayApplication.class).run(args.toArray(String[]::new));
        return new SecondInstance(context);
    }

    private static String name(String setting) {
        int equals = setting.indexOf('=');
        return equals < 0 ? setting : setting.substring(0, equals);
    }

    public int port() {
        return port;
    }

    public Hub hub() {
        return context.getBean(Hub.class);
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public GatewayMetrics metrics() {
        return context.getBean(GatewayMetrics.class);
    }

    @Override
    public void close() {
        context.close();
    }
}
