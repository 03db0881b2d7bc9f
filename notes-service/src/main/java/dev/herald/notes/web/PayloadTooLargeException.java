package dev.herald.notes.web;

/** The request body is over {@code herald.notes.max-request-size}; answered with 413. */
class PayloadTooLargeException extends RuntimeException {

    PayloadTooLargeException(long limit) {
        super("the request body is larger than " + limit + " bytes");
    }
}
