package dev.herald.loadgen;

import java.util.Arrays;

/**
 * Entry point: {@code infra} (broker + issuer + tokens), {@code subscribe} (a share of the streams),
 * {@code produce} (events on a fixed schedule, then the merged report), {@code storm} (a reconnect storm) or
 * {@code ceiling} (the events/s one gateway reads with no recipients). bench/gateway.sh wires them up.
 */
public final class LoadGenerator {

    private LoadGenerator() {}

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0) {
            System.err.println("usage: LoadGenerator infra|subscribe|produce --option value ...");
            System.exit(2);
        }
        Args args = new Args(Arrays.copyOfRange(argv, 1, argv.length));
        switch (argv[0]) {
            case "infra" -> new Infra(args).run();
            case "subscribe" -> new Subscriber(args).run();
            case "produce" -> new Producer(args).run();
            case "storm" -> new ReconnectStorm(args).run();
            case "ceiling" -> new TopicCeiling(args).run();
            default -> {
                System.err.println("unknown command " + argv[0]);
                System.exit(2);
            }
        }
        System.exit(0);
    }
}
