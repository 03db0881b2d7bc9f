/** Audience index and fan-out: who gets an event, on which event loop, paced by its socket; resume and drain. */
@NullMarked
package dev.herald.gateway.fanout;

import org.jspecify.annotations.NullMarked;
