package dev.herald.gateway.auth;

import java.time.Instant;

/**
 * Who a stream is for, reduced to what fan-out needs: the user id (token {@code sub}), whether they
 * hold the admin role, and when their token expires. The token itself is not kept.
 */
public record Viewer(String userId, boolean admin, Instant expiresAt) {}
