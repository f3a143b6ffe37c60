package dev.loresmith.handler;

/**
 * Thrown out of a handler so that Lambda counts the invocation as failed (and retries it, for an asynchronous
 * one), carrying only what may be logged: the Java runtime prints an escaping exception's message and stack
 * trace, and a foreign exception's message may quote anything. The handler has already logged the failure.
 */
final class InvocationFailed extends RuntimeException {

    private static final long serialVersionUID = 1L;

    InvocationFailed(String message) {
        super(message, null, false, false);
    }
}
