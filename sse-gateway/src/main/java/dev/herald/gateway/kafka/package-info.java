/** Reads every partition of the topic and hands decoded events to the hub. */
@NullMarked
package dev.herald.gateway.kafka;

import org.jspecify.annotations.NullMarked;
