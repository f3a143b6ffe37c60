package dev.loresmith.handler;

import dev.loresmith.content.ContentRequest;
import dev.loresmith.generate.Outcome;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.metrics.GenerationMetrics;

import java.time.Duration;

/** One log line and one EMF document per finished request, the same from every trigger. Never logs context or text. */
final class OutcomeReport {

    private OutcomeReport() {
    }

    static void log(StructuredLog log, GenerationMetrics metrics, String requestId, String messageId, ContentRequest request,
                    Outcome outcome, Duration latency) {
        metrics.record(request.type().name(), outcome);
        String kind;
        String reason = null;
        if (outcome instanceof Outcome.Ready) {
            kind = "ready";
        } else if (outcome instanceof Outcome.Fallback f) {
            kind = "fallback";
            reason = f.reason().code();
        } else {
            kind = "duplicate";
        }
        log.info("content " + kind,
                "requestId", requestId,
                "messageId", messageId,
                "contentType", request.type().name(),
                "contentId", request.id().toString(),
                "outcome", kind,
                "reason", reason,
                "status", outcome.item().status().wireName(),
                "model", outcome.item().model(),
                "provider", outcome.item().provider(),
                "providerReasons", outcome.item().providerReasons(),
                "latencyMs", latency.toMillis(),
                "apiLatencyMs", outcome instanceof Outcome.Ready r ? r.apiLatency().toMillis()
                        : outcome instanceof Outcome.Fallback f ? f.apiLatency().toMillis() : 0,
                "contextChars", request.context().isNull() ? 0 : request.context().toString().length(),
                "circuitOpened", outcome instanceof Outcome.Fallback f && f.circuitOpened(),
                "kept", outcome instanceof Outcome.Fallback f && f.kept(),
                "upgradedFrom", outcome.item().upgradedFrom());
    }
}
