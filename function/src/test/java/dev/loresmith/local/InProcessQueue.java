package dev.loresmith.local;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.loresmith.handler.DeadLetterHandler;
import dev.loresmith.handler.SqsGenerateHandler;
import dev.loresmith.item.Claim;
import dev.loresmith.queue.RequestQueue;
import dev.loresmith.testing.LambdaEvents;
import dev.loresmith.testing.Template;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The local stand-in for the generate queue: every message sent is delivered, on a small pool of worker
 * threads, to the same {@link SqsGenerateHandler} Lambda runs. A message the handler reports as failed is
 * received again (after a pause, as SQS waits out a visibility timeout), up to the template's maxReceiveCount;
 * then it goes to the same {@link DeadLetterHandler} the dead-letter queue feeds.
 */
final class InProcessQueue implements RequestQueue, AutoCloseable {

    static final int MAX_RECEIVES = Template.load().generateQueueMaxReceives();
    static final long REDELIVERY_PAUSE_MILLIS = 500;

    private final ExecutorService workers = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "local-queue");
        t.setDaemon(true);
        return t;
    });
    private final Phaser inFlight = new Phaser(1);
    private final AtomicLong waiting = new AtomicLong();
    private final Supplier<SqsGenerateHandler> handler;
    private final Supplier<DeadLetterHandler> deadLetters;
    private final int timeoutSeconds;

    InProcessQueue(Supplier<SqsGenerateHandler> handler, Supplier<DeadLetterHandler> deadLetters, int timeoutSeconds) {
        this.handler = handler;
        this.deadLetters = deadLetters;
        this.timeoutSeconds = timeoutSeconds;
    }

    @Override
    public void send(String body, Claim.Kind kind, Instant requestedAt, Duration within) {
        SQSEvent.SQSMessage message = LambdaEvents.sqsMessage(body, kind, requestedAt);
        inFlight.register();
        waiting.incrementAndGet();
        workers.execute(() -> {
            try {
                deliver(message);
            } finally {
                inFlight.arriveAndDeregister();
            }
        });
    }

    @Override
    public long backlog() {
        return waiting.get();
    }

    private void deliver(SQSEvent.SQSMessage message) {
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(message));
        try {
            for (int receive = 1; receive <= MAX_RECEIVES; receive++) {
                if (receive == 1) {
                    waiting.decrementAndGet();
                } else {
                    TimeUnit.MILLISECONDS.sleep(REDELIVERY_PAUSE_MILLIS);
                }
                SQSBatchResponse response = handler.get().handleRequest(event, new LocalContext("GenerateFunction", timeoutSeconds));
                if (response.getBatchItemFailures().isEmpty()) {
                    return;
                }
            }
            deadLetters.get().handleRequest(event, new LocalContext("DeadLetterFunction", 30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Blocks until every message sent so far has been handled. */
    void awaitIdle() {
        inFlight.arriveAndAwaitAdvance();
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
