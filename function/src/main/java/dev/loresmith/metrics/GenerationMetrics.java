package dev.loresmith.metrics;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;
import dev.loresmith.circuit.CallResult;
import dev.loresmith.circuit.EffectiveState;
import dev.loresmith.generate.Outcome;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.FollowUp;
import dev.loresmith.llm.LlmReply;
import dev.loresmith.llm.Provider;

import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import java.util.function.Consumer;

/**
 * CloudWatch Embedded Metric Format documents written as lines to stdout, where Lambda's log pipeline turns
 * them into metrics: no client library, no API call, no start-up cost. The namespace is per stack
 * ({@code METRICS_NAMESPACE}, default {@value #NAMESPACE}). One document per finished request, with four
 * dimension sets, each carrying only the metrics it is read for (every series costs money):
 * <ul>
 *   <li>none: the service totals the alarms and the dashboard read (upgrades owed and done among them);</li>
 *   <li>{@code Outcome} + {@code Reason}: {@code Generations}, the breakdown;</li>
 *   <li>{@code ContentType}: {@code QualityChecks}, {@code QualityFailures}, {@code QualityFailureRate} — a prompt
 *       that produces refusals or garbage is a bug of its type, not an outage;</li>
 *   <li>{@code ContentType} + {@code Reason}: {@code QualityFailures} by {@code refused}, {@code truncated}, {@code invalid_json}.</li>
 * </ul>
 * And one document per provider the request went to, with the dimension {@code Provider}: {@code CircuitState} (the
 * gauge of what the request found), {@code CircuitOpened}, {@code ThrottledCalls}, and for a call made {@code Calls},
 * {@code CallFailures}, {@code ApiLatency} and its tokens — what each provider's alarms and dashboard widgets read.
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
        Document doc = new Document();
        String kind = outcome instanceof Outcome.Ready ? "ready" : outcome instanceof Outcome.Fallback ? "fallback" : "duplicate";
        doc.root.put("Outcome", kind);
        doc.root.put("Reason", outcome instanceof Outcome.Fallback f ? f.reason().code() : "none");
        doc.root.put("ContentType", contentType);

        Directive totals = doc.directive(List.of());
        Directive breakdown = doc.directive(List.of("Outcome", "Reason"));
        // A duplicate delivery is not a request answered: the totals the fallback-ratio alarm divides leave it out
        // (one EMF value per name, so the totals' directive simply does not list it), the breakdown shows it.
        if (!kind.equals("duplicate")) {
            totals.metric("Generations", 1, "Count");
        }
        breakdown.metric("Generations", 1, "Count");
        totals.metric("Fallbacks", outcome instanceof Outcome.Fallback ? 1 : 0, "Count");

        Outcome.Conditions conditions = outcome instanceof Outcome.Ready r ? r.conditions()
                : outcome instanceof Outcome.Fallback f ? f.conditions() : null;
        if (conditions != null) {
            totals.metric("CircuitState", conditions.circuit().gauge(), "None");
            totals.metric("ThrottledCalls", conditions.throttled() ? 1 : 0, "Count");
            totals.metric("SpendLimitReached", conditions.spendLimit() ? 1 : 0, "Count");
            if (conditions.budget().isPresent()) {
                totals.metric("BudgetUsed", conditions.budgetUsed(), "Count");
                totals.metricDouble("BudgetUsedPercent", 100.0 * conditions.budgetUsed() / conditions.budget().getAsLong(), "Percent");
            }
        }
        if (outcome instanceof Outcome.Ready r) {
            called(totals, r.apiLatency().toMillis(), r.usage());
            totals.metric("CircuitOpened", r.attempts().stream().anyMatch(Outcome.Attempt::opened) ? 1 : 0, "Count");
            totals.metric("Upgraded", r.item().upgradedFrom() != null ? 1 : 0, "Count");
            if (r.probe()) {
                totals.metric("ProbeSucceeded", 1, "Count");
            }
            quality(doc, false);
        } else if (outcome instanceof Outcome.Fallback f) {
            if (f.call() != Outcome.Call.NONE) {
                called(totals, f.apiLatency().toMillis(), f.usage());
            }
            totals.metric("CircuitOpened", f.circuitOpened() ? 1 : 0, "Count");
            // Owed once, when the fallback is first served: a failed upgrade attempt keeps the debt it already counted.
            totals.metric("UpgradesOwed", !f.kept() && owesUpgrade(f.item()) ? 1 : 0, "Count");
            if (f.probe()) {
                totals.metric("ProbeFailed", 1, "Count");
            }
            if (f.qualityFailure()) {
                quality(doc, true);
            }
        }
        sink.accept(doc.json());
        outcome.attempts().forEach(attempt -> sink.accept(provider(attempt)));
        if (conditions != null) {
            // A configured provider this request did not reach still has its gauge written: its alarm and widget follow
            // its circuit while another provider answers.
            conditions.circuits().forEach((provider, state) -> {
                if (outcome.attempts().stream().noneMatch(a -> a.provider() == provider)) {
                    sink.accept(gaugeOnly(provider, state));
                }
            });
        }
    }

    /** The {@code CircuitState} gauge alone, under {@code Provider}: a provider the request did not go to. */
    private String gaugeOnly(Provider provider, EffectiveState state) {
        Document doc = new Document();
        doc.root.put("Provider", provider.wireName());
        doc.directive(List.of("Provider")).metric("CircuitState", state.gauge(), "None");
        return doc.json();
    }

    /** What one provider came to for one request, under the {@code Provider} dimension. */
    private String provider(Outcome.Attempt attempt) {
        Document doc = new Document();
        doc.root.put("Provider", attempt.provider().wireName());
        Directive metrics = doc.directive(List.of("Provider"));
        metrics.metric("CircuitState", attempt.seen().gauge(), "None");
        metrics.metric("CircuitOpened", attempt.opened() ? 1 : 0, "Count");
        metrics.metric("ThrottledCalls", attempt.throttled() ? 1 : 0, "Count");
        if (attempt.call() != Outcome.Call.NONE) {
            metrics.metric("Calls", 1, "Count");
            metrics.metric("CallFailures", attempt.reason() != null && attempt.reason().circuit() == CallResult.COUNTED_FAILURE ? 1 : 0, "Count");
            called(metrics, attempt.latency().toMillis(), attempt.usage());
        }
        return doc.json();
    }

    /** A reply that came back and was judged: counted per type, and as a failure when it was refused, truncated or invalid. */
    private static void quality(Document doc, boolean failed) {
        Directive byType = doc.directive(List.of("ContentType"));
        byType.metric("QualityChecks", 1, "Count");
        byType.metric("QualityFailures", failed ? 1 : 0, "Count");
        byType.metric("QualityFailureRate", failed ? 1 : 0, "None");
        if (failed) {
            doc.directive(List.of("ContentType", "Reason")).metric("QualityFailures", 1, "Count");
        }
    }

    /**
     * A fallback written outside the flow — {@code not_queued} by the HTTP API, {@code dead_letter} by the
     * dead-letter function: a request answered with fallback text, counted in the totals the alarms read.
     * {@code upgradeOwed}: the item written awaits an upgrade.
     */
    public void fallbackOutsideTheFlow(String contentType, String reason, boolean upgradeOwed) {
        Document doc = new Document();
        doc.root.put("Outcome", "fallback");
        doc.root.put("Reason", reason);
        doc.root.put("ContentType", contentType);
        Directive totals = doc.directive(List.of());
        totals.metric("Generations", 1, "Count");
        totals.metric("Fallbacks", 1, "Count");
        totals.metric("UpgradesOwed", upgradeOwed ? 1 : 0, "Count");
        doc.directive(List.of("Outcome", "Reason")).metric("Generations", 1, "Count");
        sink.accept(doc.json());
    }

    /** One dead message seen by the dead-letter function ({@code result}: what it did), for the dead-letter alarm. */
    public void deadLetter(String result, String contentType) {
        Document doc = new Document();
        doc.root.put("Result", result);
        doc.root.put("ContentType", contentType);
        doc.directive(List.of()).metric("DeadLetters", 1, "Count");
        sink.accept(doc.json());
    }

    /** Renders one document of each shape into nothing: SnapStart priming loads what the first request uses. */
    public void warmUp(String contentType) {
        new Document().directive(List.of("ContentType")).metric("QualityChecks", 0, "Count");
    }

    /** Whether {@code item} awaits an upgrade (the sweep will replace its fallback with generated text). */
    public static boolean owesUpgrade(ContentItem item) {
        return item.followUp() != null && item.followUp().kind() == FollowUp.Kind.UPGRADE;
    }

    private static void called(Directive directive, long latencyMillis, LlmReply.Usage usage) {
        directive.metric("ApiLatency", latencyMillis, "Milliseconds");
        directive.metric("InputTokens", usage.inputTokens(), "Count");
        directive.metric("OutputTokens", usage.outputTokens(), "Count");
        directive.metric("CacheCreationInputTokens", usage.cacheCreationInputTokens(), "Count");
        directive.metric("CacheReadInputTokens", usage.cacheReadInputTokens(), "Count");
    }

    private final class Document {
        final ObjectNode root = Json.MAPPER.createObjectNode();
        final ArrayNode directives;

        Document() {
            directives = root.putObject("_aws").put("Timestamp", clock.millis()).putArray("CloudWatchMetrics");
        }

        Directive directive(List<String> dimensions) {
            ObjectNode directive = directives.addObject();
            directive.put("Namespace", namespace);
            ArrayNode set = directive.putArray("Dimensions").addArray();
            dimensions.forEach(set::add);
            return new Directive(root, directive.putArray("Metrics"));
        }

        String json() {
            return Json.write(root);
        }
    }

    private record Directive(ObjectNode root, ArrayNode metrics) {
        void metric(String name, long value, String unit) {
            metrics.addObject().put("Name", name).put("Unit", unit);
            root.put(name, value);
        }

        void metricDouble(String name, double value, String unit) {
            metrics.addObject().put("Name", name).put("Unit", unit);
            root.put(name, value);
        }
    }
}
