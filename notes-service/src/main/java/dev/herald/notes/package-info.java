/** notes-service: the notes API, its transactional outbox and the relay to Kafka. */
@NullMarked
package dev.herald.notes;

import org.jspecify.annotations.NullMarked;
