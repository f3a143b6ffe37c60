package dev.loresmith.metrics;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;
import dev.loresmith.generate.Outcome;
import dev.loresmith.llm.LlmReply;

import java.io.PrintStream;
import java.time.Clock;
import java.util.function.Consumer;

/**
 * One CloudWatch Embedded Metric Format document per finished request, written as a line to stdout,
 * where Lambda's log pipeline turns it into metrics: no client library, no API call, no start-up cost.
 * The namespace is per stack ({@code METRICS_NAMESPACE}, default {@value #NAMESPACE}); every metric is
 * published without dimensions (service totals, which the alarms read) and by {@code Outcome} +
 * {@code Reason} (the breakdown).
 */
public final class GenerationMetrics {

    public static final String NAMESPACE = "Loresmith";

    private final String namespace;
    private final Consumer<String> sink;
    private final Clock clock;

    public GenerationMetrics(String namespace, Consumer<String> sink, Clock clock) {
        this.namespace = namespace;
        this.sink = sink;
        this.clock = clock;
    }

    public GenerationMetrics(Consumer<String> sink, Clock clock) {
        this(NAMESPACE, sink, clock);
    }

    public static GenerationMetrics to(String namespace, PrintStream out, Clock clock) {
        return new GenerationMetrics(namespace, line -> {
            synchronized (out) {
                out.println(line);
            }
        }, clock);
    }

    public void record(String contentType, Outcome outcome) {
        ObjectNode doc = Json.MAPPER.createObjectNode();
        ObjectNode directive = doc.putObject("_aws").put("Timestamp", clock.millis())
                .putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", namespace);
        ArrayNode dimensions = directive.putArray("Dimensions");
        dimensions.addArray();
        dimensions.addArray().add("Outcome").add("Reason");
        ArrayNode metrics = directive.putArray("Metrics");

        String kind = outcome instanceof Outcome.Ready ? "ready" : outcome instanceof Outcome.Fallback ? "fallback" : "duplicate";
        doc.put("Outcome", kind);
        doc.put("Reason", outcome instanceof Outcome.Fallback f ? f.reason().code() : "none");
        doc.put("ContentType", contentType); // a property for Logs Insights, not a dimension (cardinality)

        metric(doc, metrics, "Generations", 1, "Count");
        metric(doc, metrics, "Fallbacks", outcome instanceof Outcome.Fallback ? 1 : 0, "Count");
        if (outcome instanceof Outcome.Ready r) {
            called(doc, metrics, r.apiLatency().toMillis(), r.usage());
            if (r.probe()) {
                metric(doc, metrics, "ProbeSucceeded", 1, "Count");
            }
        } else if (outcome instanceof Outcome.Fallback f) {
            if (!f.apiLatency().isZero()) {
                called(doc, metrics, f.apiLatency().toMillis(), f.usage());
            }
            metric(doc, metrics, "CircuitOpened", f.circuitOpened() ? 1 : 0, "Count");
            if (f.probe()) {
                metric(doc, metrics, "ProbeFailed", 1, "Count");
            }
        }
        sink.accept(Json.write(doc));
    }

    private static void called(ObjectNode doc, ArrayNode metrics, long latencyMillis, LlmReply.Usage usage) {
        metric(doc, metrics, "ApiLatency", latencyMillis, "Milliseconds");
        metric(doc, metrics, "InputTokens", usage.inputTokens(), "Count");
        metric(doc, metrics, "OutputTokens", usage.outputTokens(), "Count");
        metric(doc, metrics, "CacheCreationInputTokens", usage.cacheCreationInputTokens(), "Count");
        metric(doc, metrics, "CacheReadInputTokens", usage.cacheReadInputTokens(), "Count");
    }

    private static void metric(ObjectNode doc, ArrayNode metrics, String name, long value, String unit) {
        metrics.addObject().put("Name", name).put("Unit", unit);
        doc.put(name, value);
    }
}
