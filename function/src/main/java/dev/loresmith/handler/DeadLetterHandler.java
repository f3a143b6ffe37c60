package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.loresmith.content.ContentRequest;
import dev.loresmith.content.InvalidRequest;
import dev.loresmith.content.RequestParser;
import dev.loresmith.generate.DeadLetterFallback;
import dev.loresmith.log.StructuredLog;

import java.util.ArrayList;
import java.util.List;

/**
 * Dead-letter queue → the {@code dead_letter} fallback for every dead message whose item is still
 * pending. A dead message that names no item (malformed) is logged with its reason and dropped: there
 * is nothing to write. Storage errors report the message for another try.
 */
public final class DeadLetterHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    private final Services services;

    private final RequestParser parser;
    private final DeadLetterFallback deadLetters;
    private final StructuredLog log;

    public DeadLetterHandler() {
        this(Services.fromEnvironment());
    }

    public DeadLetterHandler(Services services) {
        this.parser = services.parser();
        this.deadLetters = services.deadLetters();
        this.log = services.log();
        this.services = services;
        Priming.beforeSnapshot("DeadLetterHandler", this::prime, services.log());
    }

    /** SnapStart priming: side-effect-free warm-up of what the first invocation needs. */
    void prime() {
        services.warmUp();
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        for (SQSEvent.SQSMessage message : event.getRecords() == null ? List.<SQSEvent.SQSMessage>of() : event.getRecords()) {
            ContentRequest request;
            try {
                request = parser.parse(message.getBody());
            } catch (InvalidRequest e) {
                log.warn("dead message unreadable; dropped", "requestId", context.getAwsRequestId(),
                        "messageId", message.getMessageId(), "field", e.field(), "reason", e.getMessage());
                continue;
            }
            try {
                boolean written = deadLetters.apply(request);
                log.info(written ? "dead letter fallback written" : "dead letter ignored; item already finished",
                        "requestId", context.getAwsRequestId(), "messageId", message.getMessageId(),
                        "contentType", request.type().name(), "contentId", request.id().toString(),
                        "outcome", written ? "fallback" : "duplicate", "reason", written ? "dead_letter" : null);
            } catch (RuntimeException e) {
                log.error("dead letter failed", "requestId", context.getAwsRequestId(), "messageId", message.getMessageId(),
                        "error", e.getClass().getSimpleName(), "detail", e.getMessage());
                failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
            }
        }
        return SQSBatchResponse.builder().withBatchItemFailures(failures).build();
    }
}
