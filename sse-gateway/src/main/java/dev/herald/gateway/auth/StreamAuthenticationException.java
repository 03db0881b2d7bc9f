package dev.herald.gateway.auth;

/** A stream request without a valid token; the message never contains the token. */
public final class StreamAuthenticationException extends RuntimeException {

    public StreamAuthenticationException(String message) {
        super(message, null, false, false);
    }
}
