/** Who is asking: JWT resource server, bearer header or session cookie, roles. */
@NullMarked
package dev.herald.gateway.auth;

import org.jspecify.annotations.NullMarked;
