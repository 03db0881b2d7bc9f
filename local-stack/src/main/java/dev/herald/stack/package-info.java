/**
 * The local stack: {@link dev.herald.stack.Stack}, the launcher behind the {@code stack} script (configuration from
 * the environment, a registry of its processes on disk, start and stop by process handle, readiness by probing each
 * service), and the processes it runs besides Herald's own services: PostgreSQL from embedded binaries, a development
 * OIDC issuer with demo users, and Kafka's own {@code kafka.Kafka} set up by test-support's {@code KafkaBrokerSetup}.
 */
@NullMarked
package dev.herald.stack;

import org.jspecify.annotations.NullMarked;
