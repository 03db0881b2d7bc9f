/**
 * The {@link dev.herald.contracts.ServiceEvent} contract shared by every Herald part and by other
 * services that read the {@value dev.herald.contracts.Topics#NOTES_EVENTS} topic.
 */
@NullMarked
package dev.herald.contracts;

import org.jspecify.annotations.NullMarked;
