/** The HTTP edge: GET /events, connection limits, SSE frames. */
@NullMarked
package dev.herald.gateway.stream;

import org.jspecify.annotations.NullMarked;
