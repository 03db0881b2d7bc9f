/**
 * The processes {@code ./stack} runs besides Herald's own services: PostgreSQL from embedded binaries, a development
 * OIDC issuer with demo users, and a helper that fetches a demo user's token. The Kafka broker is Kafka's own
 * {@code kafka.Kafka}, run from this module's classpath.
 */
@NullMarked
package dev.herald.stack;

import org.jspecify.annotations.NullMarked;
