package dev.loresmith.local;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.loresmith.handler.SqsGenerateHandler;
import dev.loresmith.queue.RequestQueue;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Phaser;
import java.util.function.Supplier;

/**
 * The local stand-in for SQS + the event source mapping: each message is handed, as a one-message
 * SQSEvent, to the same {@link SqsGenerateHandler} Lambda runs. A message the handler reports as failed
 * is redelivered, up to 3 receives (the template's maxReceiveCount), like the real queue.
 */
final class InProcessQueue implements RequestQueue, AutoCloseable {

    static final int MAX_RECEIVES = 3;

    private final ExecutorService workers = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "local-queue");
        t.setDaemon(true);
        return t;
    });
    private final Phaser inFlight = new Phaser(1);
    private final Supplier<SqsGenerateHandler> handler;
    private final int timeoutSeconds;

    InProcessQueue(Supplier<SqsGenerateHandler> handler, int timeoutSeconds) {
        this.handler = handler;
        this.timeoutSeconds = timeoutSeconds;
    }

    @Override
    public void send(String body) {
        SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
        message.setMessageId(UUID.randomUUID().toString());
        message.setBody(body);
        inFlight.register();
        workers.execute(() -> {
            try {
                deliver(message);
            } finally {
                inFlight.arriveAndDeregister();
            }
        });
    }

    private void deliver(SQSEvent.SQSMessage message) {
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(message));
        for (int receive = 1; receive <= MAX_RECEIVES; receive++) {
            SQSBatchResponse response = handler.get().handleRequest(event, new LocalContext("GenerateFunction", timeoutSeconds));
            if (response.getBatchItemFailures().isEmpty()) {
                return;
            }
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
