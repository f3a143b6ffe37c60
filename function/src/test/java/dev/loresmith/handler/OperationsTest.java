package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitState;
import dev.loresmith.testing.Circuits;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FakeContext;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.SecretWatch;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The log line and the EMF document the SQS handler writes for each way a request can end. */
class OperationsTest extends FlowTest {

    static final String QUEST_JSON = FakeAnthropic.QUEST_JSON;
    static final String SECRET_CONTEXT = "the-players-secret-plan";

    JsonNode runOne(long id, int remainingMillis) {
        SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
        message.setMessageId("m-" + id);
        message.setBody("{\"contentType\":\"quest_description\",\"contentId\":" + id + ",\"context\":{\"plan\":\"" + SECRET_CONTEXT + "\"}}");
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(message));
        new SqsGenerateHandler(Wiring.generate(h.outside())).handleRequest(event, new FakeContext(remainingMillis));
        List<JsonNode> docs = h.emf.parsed().stream().filter(d -> !d.has("Provider")).toList();
        return docs.get(docs.size() - 1);
    }

    /** The last document written under the {@code Provider} dimension. */
    JsonNode lastProviderDocument() {
        List<JsonNode> docs = h.emf.parsed().stream().filter(d -> d.has("Provider")).toList();
        return docs.get(docs.size() - 1);
    }

    JsonNode lastLog() {
        List<JsonNode> lines = h.logs.parsed();
        return lines.stream().filter(l -> l.path("message").asText().startsWith("content ")).reduce((a, b) -> b).orElseThrow();
    }

    /** The metrics of every directive of a document. */
    static List<String> metricNames(JsonNode emf) {
        List<String> names = new ArrayList<>();
        emf.path("_aws").path("CloudWatchMetrics").forEach(d -> d.path("Metrics").forEach(m -> names.add(m.path("Name").asText())));
        return names;
    }

    /** Dimension set → metric names, per directive. */
    static Map<String, List<String>> directives(JsonNode emf) {
        Map<String, List<String>> byDimensions = new LinkedHashMap<>();
        emf.path("_aws").path("CloudWatchMetrics").forEach(d -> {
            List<String> names = new ArrayList<>();
            d.path("Metrics").forEach(m -> names.add(m.path("Name").asText()));
            byDimensions.merge(d.path("Dimensions").toString(), names, (a, b) -> { a.addAll(b); return a; });
        });
        return byDimensions;
    }

    @Test
    @DisplayName("success: log line with ids, outcome, model, latency; EMF with latency and token and cache counts")
    void success() {
        anthropic.replies(QUEST_JSON);

        JsonNode emf = runOne(1, 45_000);

        JsonNode log = lastLog();
        assertEquals("content ready", log.path("message").asText());
        assertEquals("m-1", log.path("messageId").asText());
        assertFalse(log.path("requestId").asText().isEmpty());
        assertEquals("quest_description", log.path("contentType").asText());
        assertEquals("1", log.path("contentId").asText());
        assertEquals("ready", log.path("outcome").asText());
        assertEquals("claude-sonnet-4-5", log.path("model").asText());
        assertTrue(log.has("latencyMs") && log.has("apiLatencyMs"));
        assertTrue(log.path("contextChars").asInt() > 0);

        emf.path("_aws").path("CloudWatchMetrics").forEach(d -> assertEquals("Loresmith", d.path("Namespace").asText()));
        Map<String, List<String>> directives = directives(emf);
        assertEquals(List.of("[[]]", "[[\"Outcome\",\"Reason\"]]", "[[\"ContentType\"]]"), List.copyOf(directives.keySet()));
        assertEquals(List.of("Generations"), directives.get("[[\"Outcome\",\"Reason\"]]"), "the breakdown carries only what it is read for");
        assertEquals(List.of("QualityChecks", "QualityFailures", "QualityFailureRate"), directives.get("[[\"ContentType\"]]"));
        assertEquals(0, emf.path("CircuitState").asInt());
        assertEquals(0, emf.path("ThrottledCalls").asInt());
        assertEquals("ready", emf.path("Outcome").asText());
        assertEquals("none", emf.path("Reason").asText());
        assertEquals(1, emf.path("Generations").asInt());
        assertEquals(0, emf.path("Fallbacks").asInt());
        assertEquals(1234, emf.path("InputTokens").asInt());
        assertEquals(56, emf.path("OutputTokens").asInt());
        assertEquals(0, emf.path("CacheCreationInputTokens").asInt());
        assertEquals(1100, emf.path("CacheReadInputTokens").asInt());
        assertTrue(metricNames(emf).containsAll(List.of("Generations", "Fallbacks", "ApiLatency", "InputTokens",
                "OutputTokens", "CacheCreationInputTokens", "CacheReadInputTokens")));
        // every metric named in the directive has its value in the document
        metricNames(emf).forEach(name -> assertTrue(emf.has(name), name));
        JsonNode provider = lastProviderDocument();
        assertEquals(Map.of("[[\"Provider\"]]", List.of("CircuitState", "CircuitOpened", "ThrottledCalls", "Calls", "CallFailures", "ApiLatency",
                "InputTokens", "OutputTokens", "CacheCreationInputTokens", "CacheReadInputTokens")), directives(provider),
                "each provider's calls, failures, latency, tokens, openings and gauge, under the Provider dimension only");
        assertEquals("anthropic", provider.path("Provider").asText());
        assertEquals(1, provider.path("Calls").asInt());
        assertEquals(0, provider.path("CallFailures").asInt());
        assertEquals(1234, provider.path("InputTokens").asInt());
    }

    @Test
    @DisplayName("each fallback reason: log line and EMF carry outcome fallback and the reason")
    void fallbackReasons() {
        List<String> seen = new ArrayList<>();
        h.withApiKey(null);
        seen.add(runOne(10, 45_000).path("Reason").asText());
        h.withApiKey(SecretWatch.API_KEY);

        anthropic.failsWith(429);
        seen.add(runOne(11, 45_000).path("Reason").asText());
        h.clock.advance(Duration.ofSeconds(31)); // past the shared throttle the 429 set
        anthropic.failsWith(500);
        seen.add(runOne(12, 45_000).path("Reason").asText());
        h.clock.advance(Duration.ofSeconds(61)); // counted failures a minute apart never open the circuit
        anthropic.resetsConnection();
        seen.add(runOne(13, 45_000).path("Reason").asText());
        h.clock.advance(Duration.ofSeconds(61));
        anthropic.replies("not json");
        seen.add(runOne(14, 45_000).path("Reason").asText());
        anthropic.replies(QUEST_JSON);
        seen.add(runOne(15, 2_000).path("Reason").asText()); // less time left than the write margin
        h.circuitIs(Circuits.open(h.now(), 9, h.circuitRecord().version()));
        seen.add(runOne(16, 45_000).path("Reason").asText());

        assertEquals(List.of("no_config", "rate_limited", "api_error_500", "network_error", "invalid_json", "no_time", "circuit_open"), seen);
        h.emf.parsed().stream().filter(doc -> !doc.has("Provider")).forEach(doc -> {
            assertEquals("fallback", doc.path("Outcome").asText());
            assertEquals(1, doc.path("Fallbacks").asInt());
        });
        List<JsonNode> logged = h.logs.withMessage("content fallback");
        assertEquals(seen, logged.stream().map(l -> l.path("reason").asText()).toList());
        logged.forEach(l -> assertTrue(l.path("model").asText().startsWith("fallback:")));
    }

    @Test
    @DisplayName("quality: a refused, truncated or invalid reply counts per content type and reason; an outage does not")
    void qualityMetrics() {
        anthropic.replies(QUEST_JSON, "refusal");
        JsonNode refused = runOne(50, 45_000);
        anthropic.replies("not json at all");
        JsonNode invalid = runOne(51, 45_000);
        h.clock.advance(Duration.ofSeconds(61));
        anthropic.failsWith(503);
        JsonNode outage = runOne(52, 45_000);

        Map<String, List<String>> refusedDirectives = directives(refused);
        assertEquals(List.of("QualityChecks", "QualityFailures", "QualityFailureRate"), refusedDirectives.get("[[\"ContentType\"]]"));
        assertEquals(List.of("QualityFailures"), refusedDirectives.get("[[\"ContentType\",\"Reason\"]]"));
        assertEquals("quest_description", refused.path("ContentType").asText());
        assertEquals("refused", refused.path("Reason").asText());
        assertEquals(1, refused.path("QualityFailures").asInt());
        assertEquals(1, refused.path("QualityFailureRate").asInt());
        assertEquals("invalid_json", invalid.path("Reason").asText());
        assertEquals(1, invalid.path("QualityFailures").asInt());
        assertTrue(directives(outage).get("[[\"ContentType\"]]") == null, "a 503 is availability, not quality");
    }

    @Test
    @DisplayName("a circuit opening: CircuitOpened = 1 in its EMF document and a warning log line with the generation")
    void opening() {
        anthropic.failsWith(503);
        runOne(20, 45_000);
        runOne(21, 45_000);

        JsonNode emf = runOne(22, 45_000);

        assertEquals(1, emf.path("CircuitOpened").asInt());
        assertEquals(0, h.emf.parsed().get(0).path("CircuitOpened").asInt());
        JsonNode opened = h.logs.withMessage("circuit opened").get(0);
        assertEquals("WARN", opened.path("level").asText());
        assertEquals(1, opened.path("generation").asInt());
        assertTrue(lastLog().path("circuitOpened").asBoolean());
    }

    @Test
    @DisplayName("probe results are counted: ProbeSucceeded on the probe that closes the circuit")
    void probe() {
        h.circuitIs(Circuits.halfOpen(h.now().minus(Duration.ofMinutes(5)), 1, 3));
        anthropic.replies(QUEST_JSON);

        assertEquals(1, runOne(30, 45_000).path("ProbeSucceeded").asInt());
    }

    @Test
    @DisplayName("a duplicate delivery shows in the Outcome breakdown but not in the totals the fallback-ratio alarm divides")
    void duplicateNotInTotals() {
        anthropic.replies(QUEST_JSON);
        runOne(1, 45_000);

        JsonNode duplicate = runOne(1, 45_000);

        assertEquals("duplicate", duplicate.path("Outcome").asText());
        assertEquals(1, duplicate.path("Generations").asInt());
        Map<String, List<String>> directives = directives(duplicate);
        assertFalse(directives.get("[[]]").contains("Generations"), "totals: " + directives);
        assertEquals(List.of("Generations"), directives.get("[[\"Outcome\",\"Reason\"]]"));
    }

    @Test
    @DisplayName("player context is never logged verbatim: only its size")
    void contextNotLogged() {
        anthropic.replies(QUEST_JSON);
        runOne(40, 45_000);

        h.logs.lines().forEach(line -> assertFalse(line.contains(SECRET_CONTEXT), line));
        h.emf.lines().forEach(line -> assertFalse(line.contains(SECRET_CONTEXT), line));
    }
}
