/** Herald SSE gateway: streams each client exactly the note events it may see, from Kafka. */
@NullMarked
package dev.herald.gateway;

import org.jspecify.annotations.NullMarked;
