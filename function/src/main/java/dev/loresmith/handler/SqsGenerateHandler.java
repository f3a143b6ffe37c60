package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.loresmith.item.Claim;
import dev.loresmith.content.ContentRequest;
import dev.loresmith.content.InvalidRequest;
import dev.loresmith.content.RequestParser;
import dev.loresmith.generate.GenerateContent;
import dev.loresmith.generate.Outcome;
import dev.loresmith.log.ErrorSummary;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.metrics.GenerationMetrics;
import dev.loresmith.queue.RequestQueue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * SQS → generate flow. The messages of a batch run in parallel (at most 10 at once, Lambda's batch
 * size), each with the invocation's deadline. Only messages that must be tried again are reported as
 * batch-item failures: malformed bodies (so they reach the dead-letter queue with their reason logged,
 * never silently dropped), infrastructure errors, items another worker still holds, and work unfinished
 * at the deadline.
 */
public final class SqsGenerateHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    /** Wall time kept back from the invocation's remaining time to report the batch result. */
    static final Duration RESPONSE_MARGIN = Duration.ofMillis(500);
    static final int PARALLELISM = 10;
    /** One pool per execution environment (Lambda runs one handler instance per environment anyway). */
    private static final ParallelBatch BATCH = new ParallelBatch(PARALLELISM);

    /** What this handler works with; {@link Wiring#generate} builds it. {@code warmUp}: SnapStart priming, reads only. */
    public record Dependencies(RequestParser parser, GenerateContent generate, Clock clock, StructuredLog log,
                               GenerationMetrics metrics, Runnable warmUp) {
    }

    private final RequestParser parser;
    private final GenerateContent generate;
    private final Clock clock;
    private final StructuredLog log;
    private final GenerationMetrics metrics;
    private final Runnable warmUp;

    public SqsGenerateHandler() {
        this(Wiring.generate(AwsOutside.fromEnvironment()));
    }

    public SqsGenerateHandler(Dependencies d) {
        this.parser = d.parser();
        this.generate = d.generate();
        this.clock = d.clock();
        this.log = d.log();
        this.metrics = d.metrics();
        this.warmUp = d.warmUp();
        Priming.beforeSnapshot("SqsGenerateHandler", this::prime, log);
    }

    /** SnapStart priming: side-effect-free warm-up of what the first invocation needs. */
    void prime() {
        warmUp.run();
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        Duration remaining = Duration.ofMillis(context.getRemainingTimeInMillis());
        Instant deadline = clock.instant().plus(remaining).minus(RESPONSE_MARGIN);
        List<SQSEvent.SQSMessage> messages = event.getRecords() == null ? List.of() : event.getRecords();
        List<String> retry = BATCH.run(messages, SQSEvent.SQSMessage::getMessageId,
                message -> process(message, deadline, context.getAwsRequestId()), remaining.minus(RESPONSE_MARGIN));
        return SQSBatchResponse.builder()
                .withBatchItemFailures(retry.stream().map(id -> new SQSBatchResponse.BatchItemFailure(id)).toList())
                .build();
    }

    private ParallelBatch.Result process(SQSEvent.SQSMessage message, Instant deadline, String requestId) {
        ContentRequest request;
        try {
            request = parser.parse(message.getBody());
        } catch (InvalidRequest e) {
            log.warn("message rejected", "requestId", requestId, "messageId", message.getMessageId(),
                    "field", e.field(), "reason", e.getMessage(), "bodyChars", message.getBody() == null ? 0 : message.getBody().length());
            return ParallelBatch.Result.RETRY;
        }
        Instant started = clock.instant();
        Claim.Kind kind = RequestQueue.kindOf(attribute(message, RequestQueue.KIND_ATTRIBUTE));
        Instant requestedAt = RequestQueue.requestedAt(attribute(message, RequestQueue.REQUESTED_AT_ATTRIBUTE),
                message.getAttributes() == null ? null : message.getAttributes().get("SentTimestamp")).orElse(null);
        try {
            Outcome outcome = generate.generate(request, kind, requestedAt, deadline);
            OutcomeReport.log(log, metrics, requestId, message.getMessageId(), request, outcome, Duration.between(started, clock.instant()));
            // Leased by another worker: keep this message until the item is finished. If that worker died,
            // its lease expires and this message (or its own redelivery) finishes the item.
            return outcome instanceof Outcome.Duplicate d && d.retryLater() ? ParallelBatch.Result.RETRY : ParallelBatch.Result.DONE;
        } catch (RuntimeException e) {
            // The item keeps its lease; this message, redelivered after the lease, finishes it.
            log.error("message failed", "requestId", requestId, "messageId", message.getMessageId(),
                    "contentType", request.type().name(), "contentId", request.id().toString(), "error", ErrorSummary.of(e));
            return ParallelBatch.Result.RETRY;
        }
    }

    private static String attribute(SQSEvent.SQSMessage message, String name) {
        if (message.getMessageAttributes() == null || message.getMessageAttributes().get(name) == null) {
            return null;
        }
        return message.getMessageAttributes().get(name).getStringValue();
    }
}
