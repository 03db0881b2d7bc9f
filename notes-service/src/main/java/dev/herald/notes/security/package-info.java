/** OAuth2 resource server: JWT validation, roles from configurable claims, CORS, problem+json 401s. */
@NullMarked
package dev.herald.notes.security;

import org.jspecify.annotations.NullMarked;
