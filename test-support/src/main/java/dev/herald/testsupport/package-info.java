/**
 * Real infrastructure for Herald's tests and local runs, with nothing installed: {@link HeraldPostgres}
 * (embedded PostgreSQL binaries), {@link HeraldKafka} (an in-JVM KRaft broker) and {@link HeraldIssuer}
 * (a real OIDC issuer). Each is one instance per JVM, started on first use and stopped at exit.
 * {@link KafkaBrokerProcess} is a broker in a process of its own, for tests that kill and restart it.
 * {@link FreePorts} gives ports for servers that must be started on a port known beforehand.
 */
@NullMarked
package dev.herald.testsupport;

import org.jspecify.annotations.NullMarked;
