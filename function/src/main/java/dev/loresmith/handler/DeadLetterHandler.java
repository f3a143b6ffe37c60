package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.loresmith.content.ContentRequest;
import dev.loresmith.content.InvalidRequest;
import dev.loresmith.content.RequestParser;
import dev.loresmith.generate.DeadLetterFallback;
import dev.loresmith.generate.FallbackReason;
import dev.loresmith.log.ErrorSummary;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.metrics.GenerationMetrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Dead-letter queue → the {@code dead_letter} fallback for every dead message whose item is still
 * pending, and a replay mark on its item (README, "Runbook"). Every dead message counts in the
 * {@code DeadLetters} metric, which the dead-letter alarm watches. A dead message that names no item
 * (malformed) is logged with its reason and dropped: there is nothing to write. Storage errors and items
 * a live worker holds report the message for another try.
 */
public final class DeadLetterHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    /** What this handler works with; {@link Wiring#deadLetter} builds it. {@code warmUp}: SnapStart priming, reads only. */
    public record Dependencies(RequestParser parser, DeadLetterFallback deadLetters, StructuredLog log, GenerationMetrics metrics,
                               Runnable warmUp) {
    }

    private final RequestParser parser;
    private final DeadLetterFallback deadLetters;
    private final StructuredLog log;
    private final GenerationMetrics metrics;
    private final Runnable warmUp;

    public DeadLetterHandler() {
        this(Wiring.deadLetter(AwsOutside.fromEnvironment()));
    }

    public DeadLetterHandler(Dependencies d) {
        this.parser = d.parser();
        this.deadLetters = d.deadLetters();
        this.log = d.log();
        this.metrics = d.metrics();
        this.warmUp = d.warmUp();
        Priming.beforeSnapshot("DeadLetterHandler", this::prime, log);
    }

    /** SnapStart priming: what the first dead letter needs, reading only the content table (all its role may read). */
    void prime() {
        warmUp.run();
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        for (SQSEvent.SQSMessage message : event.getRecords() == null ? List.<SQSEvent.SQSMessage>of() : event.getRecords()) {
            ContentRequest request;
            try {
                request = parser.parse(message.getBody());
            } catch (InvalidRequest e) {
                metrics.deadLetter("unreadable", "(unknown)");
                log.warn("dead message unreadable; dropped", "requestId", context.getAwsRequestId(),
                        "messageId", message.getMessageId(), "field", e.field(), "reason", e.getMessage());
                continue;
            }
            try {
                DeadLetterFallback.Result result = deadLetters.apply(request);
                if (result == DeadLetterFallback.Result.LEASED) {
                    failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
                } else {
                    metrics.deadLetter(result.name().toLowerCase(Locale.ROOT), request.type().name());
                    if (result == DeadLetterFallback.Result.FALLBACK_WRITTEN) {
                        metrics.fallbackOutsideTheFlow(request.type().name(), FallbackReason.DEAD_LETTER.code(), false); // replayed by an operator, never upgraded
                    }
                }
                log.info("dead letter handled", "requestId", context.getAwsRequestId(), "messageId", message.getMessageId(),
                        "contentType", request.type().name(), "contentId", request.id().toString(),
                        "result", result.name().toLowerCase(Locale.ROOT), "reason", result == DeadLetterFallback.Result.FALLBACK_WRITTEN ? "dead_letter" : null);
            } catch (RuntimeException e) {
                log.error("dead letter failed", "requestId", context.getAwsRequestId(), "messageId", message.getMessageId(),
                        "error", ErrorSummary.of(e));
                failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
            }
        }
        return SQSBatchResponse.builder().withBatchItemFailures(failures).build();
    }
}
