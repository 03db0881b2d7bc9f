/** Audience index and fan-out: who gets an event, on which event loop, through which bounded queue. */
@NullMarked
package dev.herald.gateway.fanout;

import org.jspecify.annotations.NullMarked;
