package dev.herald.notes.security;

import org.springframework.security.authentication.AuthenticationServiceException;

/** The token could not be checked because the issuer (discovery or key set) did not answer: 503, not 401. */
final class IssuerUnavailableException extends AuthenticationServiceException {

    IssuerUnavailableException(Throwable cause) {
        super("the token issuer is unreachable", cause);
    }

    /** Whether {@code error} or one of its causes is this exception. */
    static boolean in(Throwable error) {
        for (Throwable e = error; e != null; e = e.getCause()) {
            if (e instanceof IssuerUnavailableException) {
                return true;
            }
        }
        return false;
    }
}
