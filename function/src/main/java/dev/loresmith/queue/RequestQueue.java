package dev.loresmith.queue;

import dev.loresmith.item.Claim;

/** Where accepted requests wait to be generated: SQS in AWS, an in-process stand-in when run locally. */
public interface RequestQueue {

    /** The message attribute that marks an upgrade or a requeue ({@link Claim.Kind#attribute()}); a message without it is a request. */
    String KIND_ATTRIBUTE = "kind";

    /** Enqueues one request body (the JSON of README "Requests") for the given kind of claim. Throws if it could not. */
    void send(String body, Claim.Kind kind);

    /** Messages waiting to be received, approximately (SQS's ApproximateNumberOfMessages). */
    long backlog();

    /** The kind a received message's {@code kind} attribute names: {@code upgrade}, {@code requeue}, or anything else a request. */
    static Claim.Kind kindOf(String attribute) {
        return Claim.Kind.ofAttribute(attribute);
    }
}
