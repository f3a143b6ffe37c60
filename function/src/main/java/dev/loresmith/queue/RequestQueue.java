package dev.loresmith.queue;

import dev.loresmith.aws.CallTimeouts;
import dev.loresmith.item.Claim;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** Where accepted requests wait to be generated: SQS in AWS, an in-process stand-in when run locally. */
public interface RequestQueue {

    /** The message attribute that marks an upgrade or a requeue ({@link Claim.Kind#attribute()}); a message without it is a request. */
    String KIND_ATTRIBUTE = "kind";

    /**
     * The message attribute saying when the request was made (ISO-8601): a message older than the attempt that already
     * finished its item asks for nothing that attempt did not do (README, "Queue messages").
     */
    String REQUESTED_AT_ATTRIBUTE = "requestedAt";

    /**
     * Enqueues one request body (the JSON of README "Requests") for the given kind of claim, requested at
     * {@code requestedAt}, within {@code within} (the call is cut short to it). Throws if it could not.
     */
    void send(String body, Claim.Kind kind, Instant requestedAt, Duration within);

    /** {@link #send(String, Claim.Kind, Instant, Duration)} bounded only by the client's own call timeout. */
    default void send(String body, Claim.Kind kind, Instant requestedAt) {
        send(body, kind, requestedAt, CallTimeouts.CALL);
    }

    /** Messages waiting to be received, approximately (SQS's ApproximateNumberOfMessages). */
    long backlog();

    /** The kind a received message's {@code kind} attribute names: {@code upgrade}, {@code requeue}, or anything else a request. */
    static Claim.Kind kindOf(String attribute) {
        return Claim.Kind.ofAttribute(attribute);
    }

    /**
     * When a received message's request was made: its {@code requestedAt} attribute; for a message without one (sent
     * by a game straight to the queue, or before the attribute existed) SQS's own {@code SentTimestamp} (epoch ms);
     * empty when neither is readable — such a message claims as messages always did.
     */
    static Optional<Instant> requestedAt(String attribute, String sentTimestamp) {
        if (attribute != null) {
            try {
                return Optional.of(Instant.parse(attribute.trim()));
            } catch (DateTimeParseException e) {
                // not ours: fall back to SQS's own stamp
            }
        }
        if (sentTimestamp != null) {
            try {
                return Optional.of(Instant.ofEpochMilli(Long.parseLong(sentTimestamp.trim())));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
