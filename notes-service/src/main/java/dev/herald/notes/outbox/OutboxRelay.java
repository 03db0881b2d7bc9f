package dev.herald.notes.outbox;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Publishes the outbox to Kafka. One relay is active per database: the one whose dedicated session
 * holds a PostgreSQL advisory lock; the others retry the lock every {@code leaderRetryInterval} and take
 * over when the holder's session ends (process died, link broken, shut down).
 *
 * <p>The leader reads pending rows in id order, sends them (idempotent producer, {@code acks=all}; by
 * default inside one Kafka transaction per batch under a shared {@code transactional.id}, so a stale
 * leader is fenced) and deletes them only once the broker acknowledged. A failed batch is retried from
 * the table with backoff, so one note's events keep their order; a record the broker refuses for good
 * moves to {@code outbox_dead_letter} with its error. It wakes when a local commit rings
 * {@link RelayWakeUp} and polls every {@code pollInterval} for other instances' writes.
 *
 * <p>A round reads at most {@code batchSize} rows and {@code maxBatchBytes} of events. Nothing ends the
 * relay's thread but {@link #stop()}: any other {@code Throwable} is logged, the relay steps down (ends its
 * session and producer) and starts over after a backoff, and {@link #failure()} reports it until a round
 * succeeds again.
 */
public final class OutboxRelay implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

    /** Opens the relay's own database session (not from the pool: it lives as long as the leadership). */
    @FunctionalInterface
    public interface ConnectionSource {
        Connection open() throws SQLException;
    }

    private final String name;
    private final ConnectionSource database;
    private final Supplier<Producer<String, byte[]>> producers;
    private final Runnable ensureTopic;
    private final String topic;
    private final OutboxProperties.Relay settings;
    private final RelayWakeUp wakeUp;
    private final RelayMetrics metrics;

    private volatile boolean running;
    private volatile boolean leader;
    private volatile @Nullable Throwable failure;
    private volatile Consumer<List<OutboxRow>> beforeCommit = rows -> {};
    private @Nullable Thread thread;
    private @Nullable OutboxStore store;
    private @Nullable Producer<String, byte[]> producer;

    public OutboxRelay(
            String name,
            ConnectionSource database,
            Supplier<Producer<String, byte[]>> producers,
            Runnable ensureTopic,
            OutboxProperties properties,
            RelayWakeUp wakeUp,
            RelayMetrics metrics) {
        this.name = name;
        this.database = database;
        this.producers = producers;
        this.ensureTopic = ensureTopic;
        this.topic = properties.topic().name();
        this.settings = properties.relay();
        this.wakeUp = wakeUp;
        this.metrics = metrics;
        metrics.leadership(this::isLeader);
    }

    public boolean isLeader() {
        return leader;
    }

    /** Whether the relay's thread is alive (it should be whenever the relay is running). */
    public boolean isThreadAlive() {
        Thread current = thread;
        return current != null && current.isAlive();
    }

    /** The unexpected error the relay last restarted after, until a round succeeds again; else null. */
    public @Nullable Throwable failure() {
        return failure;
    }

    /**
     * Runs once a batch is sent and before it is committed (its Kafka transaction open): a seam for tests
     * that make the relay fail or freeze at the worst moment.
     */
    void beforeCommit(Consumer<List<OutboxRow>> hook) {
        this.beforeCommit = hook;
    }

    public String name() {
        return name;
    }

    @Override
    public synchronized void start() {
        if (!running) {
            running = true;
            thread = Thread.ofPlatform().name("outbox-relay-" + name).daemon().start(this::run);
        }
    }

    /** Stops publishing and ends the session, which releases the lock at once for another instance. */
    @Override
    public void stop() {
        Thread current;
        synchronized (this) {
            running = false;
            current = thread;
        }
        if (current != null) {
            current.interrupt();
            try {
                current.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void run() {
        Duration restart = Duration.ZERO;
        try {
            while (running) {
                try {
                    if (store == null) {
                        store = new OutboxStore(database.open(), settings.leaseTimeout());
                    }
                    if (store.tryLock(settings.lockKey())) {
                        leader = true;
                        log.info("outbox relay {} is the leader", name);
                        lead(store);
                    } else {
                        Thread.sleep(settings.leaderRetryInterval());
                    }
                } catch (SQLException e) {
                    log.warn("outbox relay {} lost its database session ({}); retrying", name, e.getMessage());
                    stepDown();
                    Thread.sleep(settings.leaderRetryInterval());
                } catch (Fenced e) {
                    log.warn("outbox relay {} was fenced by another leader; stepping down", name);
                    stepDown();
                    Thread.sleep(settings.leaderRetryInterval());
                } catch (InterruptedException e) {
                    throw e;
                } catch (Throwable e) { // nothing may end the relay silently, an Error included
                    if (!running) {
                        break;
                    }
                    failure = e;
                    metrics.restarted();
                    restart = restart.isZero()
                            ? Duration.ofMillis(100)
                            : min(restart.multipliedBy(2), settings.restartBackoff());
                    log.error("outbox relay {} failed unexpectedly; restarting in {} ms", name, restart.toMillis(), e);
                    stepDown();
                    Thread.sleep(restart);
                    continue;
                }
                restart = Duration.ZERO;
            }
        } catch (InterruptedException e) {
            // stopping
        } finally {
            stepDown();
        }
    }

    private void stepDown() {
        if (leader) {
            log.info("outbox relay {} is no longer the leader", name);
        }
        leader = false;
        closeProducer();
        if (store != null) {
            store.close();
            store = null;
        }
    }

    private void lead(OutboxStore store) throws SQLException, InterruptedException {
        Duration backoff = Duration.ZERO;
        try {
            producer(); // creates the topic at start-up when missing
        } catch (KafkaUnavailable e) {
            log.warn(
                    "outbox relay {}: Kafka is not available yet ({}); events wait in the outbox",
                    name,
                    e.getMessage());
        }
        // Rows per batch: halved after each failed batch, back to the full size after a success. A record the broker
        // refuses for good can hide in a batch: the producer splits a refused batch and re-packs the records of a
        // partition together again, until the transaction times out, without ever naming the record. Alone in its
        // batch it is refused by name (RecordTooLargeException) and dead-lettered, and the rows behind it go on.
        int limit = settings.batchSize();
        while (running) {
            List<OutboxRow> rows = store.fetch(limit, settings.maxBatchBytes().toBytes());
            if (rows.isEmpty()) {
                failure = null;
                wakeUp.await(settings.pollInterval());
                continue;
            }
            try {
                metrics.batch(rows);
                publish(store, rows);
                failure = null;
                backoff = Duration.ZERO;
                limit = settings.batchSize();
            } catch (KafkaUnavailable e) {
                if (!running) {
                    return; // stopped mid-batch: the rows stay for the next leader
                }
                metrics.failed(rows.size());
                limit = Math.max(1, Math.min(limit, rows.size()) / 2);
                closeProducer();
                backoff =
                        backoff.isZero() ? Duration.ofMillis(100) : min(backoff.multipliedBy(2), settings.maxBackoff());
                log.warn(
                        "outbox relay {} could not publish {} events ({}); retrying in {} ms",
                        name,
                        rows.size(),
                        e.getMessage(),
                        backoff.toMillis());
                Thread.sleep(backoff);
            }
        }
    }

    private Producer<String, byte[]> producer() {
        if (producer == null) {
            try {
                ensureTopic.run();
                Producer<String, byte[]> created = producers.get();
                if (settings.transactional()) {
                    try {
                        created.initTransactions();
                    } catch (RuntimeException e) {
                        created.close(Duration.ZERO);
                        throw e;
                    }
                }
                producer = created;
            } catch (ProducerFencedException | InvalidProducerEpochException e) {
                throw new Fenced(e);
            } catch (RuntimeException e) {
                throw new KafkaUnavailable(e);
            }
        }
        return producer;
    }

    private void closeProducer() {
        if (producer != null) {
            try {
                producer.close(Duration.ZERO);
            } catch (RuntimeException ignored) {
                // closing a failed producer may fail too
            }
            producer = null;
        }
    }

    /** Sends one batch; deletes what the broker acknowledged, dead-letters what it refused for good. */
    private void publish(OutboxStore store, List<OutboxRow> rows) throws SQLException, InterruptedException {
        Producer<String, byte[]> producer = producer();
        List<Future<RecordMetadata>> sent = new ArrayList<>(rows.size());
        @Nullable RuntimeException failure = null;
        try {
            if (settings.transactional()) {
                producer.beginTransaction();
            }
            for (OutboxRow row : rows) {
                sent.add(producer.send(row.toRecord(topic)));
            }
            beforeCommit.accept(rows);
            if (settings.transactional()) {
                producer.commitTransaction();
            } else {
                producer.flush();
            }
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            throw new Fenced(e);
        } catch (RuntimeException e) {
            failure = e;
        }
        Instant now = Instant.now();
        List<Long> acknowledged = new ArrayList<>(rows.size());
        int deadLettered = 0;
        @Nullable Throwable retriable = failure;
        for (int i = 0; i < rows.size(); i++) {
            OutboxRow row = rows.get(i);
            Throwable error = i < sent.size() ? outcome(sent.get(i)) : failure;
            if (error == null && failure == null) {
                acknowledged.add(row.id());
                metrics.published(Duration.between(row.occurredAt(), now));
            } else if (error != null && isPermanent(error)) {
                log.error(
                        "outbox relay {}: Kafka refused event {} of note {} for good ({}); moved to outbox_dead_letter",
                        name,
                        row.eventId(),
                        row.noteId(),
                        error.toString());
                store.deadLetter(row.id(), error.toString());
                metrics.deadLettered();
                deadLettered++;
            } else if (error != null && !settings.transactional()) {
                // keep this row and every later one: they are retried in order (acknowledged ones may repeat)
                retriable = error;
                break;
            } else if (!settings.transactional()) {
                acknowledged.add(row.id());
                metrics.published(Duration.between(row.occurredAt(), now));
            }
        }
        if (failure != null && settings.transactional()) {
            abort(producer);
            acknowledged.clear();
        }
        store.delete(acknowledged);
        if (retriable != null && deadLettered == 0) {
            throw new KafkaUnavailable(retriable);
        }
    }

    private void abort(Producer<String, byte[]> producer) {
        try {
            producer.abortTransaction();
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            throw new Fenced(e);
        } catch (RuntimeException e) {
            closeProducer();
        }
    }

    private static @Nullable Throwable outcome(Future<RecordMetadata> future) throws InterruptedException {
        if (!future.isDone()) {
            return new KafkaException("not acknowledged");
        }
        try {
            future.get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause() == null ? e : e.getCause();
        }
    }

    /** Errors that retrying the same record can never fix. */
    static boolean isPermanent(Throwable error) {
        return error instanceof RecordTooLargeException
                || error instanceof RecordBatchTooLargeException
                || error instanceof InvalidRecordException
                || error instanceof CorruptRecordException
                || error instanceof SerializationException;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Kafka could not take the batch now; it stays in the outbox and is retried. */
    private static final class KafkaUnavailable extends RuntimeException {
        KafkaUnavailable(Throwable cause) {
            super(cause.toString(), cause);
        }
    }

    /** Another relay took over the transactional id: this one is stale and must stop publishing. */
    private static final class Fenced extends RuntimeException {
        Fenced(Throwable cause) {
            super(cause.toString(), cause);
        }
    }
}
