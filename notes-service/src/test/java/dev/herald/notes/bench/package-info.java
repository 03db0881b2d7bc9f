/** The notes-service benchmark: a program run by {@code bench/notes-writes.sh}, never a test. */
@NullMarked
package dev.herald.notes.bench;

import org.jspecify.annotations.NullMarked;
