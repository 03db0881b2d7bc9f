/**
 * The transactional outbox: {@link dev.herald.notes.outbox.OutboxWriter} adds an event in the writer's
 * transaction; {@link dev.herald.notes.outbox.OutboxRelay} (one active per database) publishes it to Kafka.
 */
@NullMarked
package dev.herald.notes.outbox;

import org.jspecify.annotations.NullMarked;
