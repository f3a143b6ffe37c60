package dev.loresmith.testing;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.item.Claim;
import dev.loresmith.retry.Pause;
import dev.loresmith.queue.RequestQueue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * A queue that keeps what it is sent, with the kind of each message; can be told to fail like an unavailable
 * SQS. A consumer (the SQS handler, say) can be attached: {@link #pump()} then hands it everything not yet delivered.
 */
public final class RecordingQueue implements RequestQueue {

    /** {@code within}: the time the sender allowed the call. */
    public record Sent(String body, Claim.Kind kind, Instant requestedAt, Duration within) {
        public JsonNode json() {
            return TestJson.parse(body);
        }

        /** The message as Lambda's SQS event carries it, with its kind and requestedAt attributes. */
        public SQSEvent.SQSMessage toSqsMessage() {
            return LambdaEvents.sqsMessage(body, kind, requestedAt);
        }
    }

    private final List<Sent> sent = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean unavailable;
    private volatile Consumer<Sent> consumer;
    private int delivered;

    private volatile Runnable beforeEachSend = () -> { };

    @Override
    public void send(String body, Claim.Kind kind, Instant requestedAt, Duration within) {
        beforeEachSend.run();
        if (unavailable) {
            throw new IllegalStateException("queue unavailable (scripted)");
        }
        sent.add(new Sent(body, kind, requestedAt, within));
    }

    /** Runs {@code action} as each send begins (a slow SQS: the test moves its clock). */
    public void beforeEachSend(Runnable action) {
        beforeEachSend = action;
    }

    @Override
    public synchronized long backlog() {
        return (long) sent.size() - delivered;
    }

    public void unavailable() {
        unavailable = true;
    }

    public List<JsonNode> messages() {
        synchronized (sent) {
            return sent.stream().map(Sent::json).toList();
        }
    }

    public List<Sent> sent() {
        synchronized (sent) {
            return List.copyOf(sent);
        }
    }

    /** What {@link #pump()} delivers to. */
    public void consumedBy(Consumer<Sent> value) {
        consumer = value;
    }

    /** Delivers every message not yet delivered to the consumer, in order. */
    public synchronized void pump() {
        while (consumer != null && delivered < sent.size()) {
            consumer.accept(sent.get(delivered++));
        }
    }

    /** A sleeper for the API's wait path: time passes on the test's clock, and meanwhile the queue is worked. */
    public Pause pumpingSleeper(MutableClock clock) {
        return duration -> {
            clock.advance(duration);
            pump();
        };
    }

}
