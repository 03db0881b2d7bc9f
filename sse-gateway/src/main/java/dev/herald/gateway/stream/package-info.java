/** The HTTP edge of streams: GET /events in front of WebFlux, admission, the ?types= filter, refusals. */
@NullMarked
package dev.herald.gateway.stream;

import org.jspecify.annotations.NullMarked;
