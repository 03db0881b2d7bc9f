/** Notes: the API, the read/write rules and persistence. Every write also enqueues its event. */
@NullMarked
package dev.herald.notes.note;

import org.jspecify.annotations.NullMarked;
