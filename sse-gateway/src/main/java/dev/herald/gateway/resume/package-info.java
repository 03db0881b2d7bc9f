/** Where a stream stands in the topic: the SSE event id, encoded and checked. */
@NullMarked
package dev.herald.gateway.resume;

import org.jspecify.annotations.NullMarked;
