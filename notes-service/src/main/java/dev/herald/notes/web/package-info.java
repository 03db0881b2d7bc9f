/** The HTTP edge: problem+json for every error, the request size limit, strict JSON input. */
@NullMarked
package dev.herald.notes.web;

import org.jspecify.annotations.NullMarked;
