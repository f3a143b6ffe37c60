package dev.loresmith.generate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.circuit.CircuitState;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FlowHarness;
import dev.loresmith.testing.FlowTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The config item is edited by hand (README, "Configuration"): whatever an operator types there, every request
 * still ends, the value is replaced by its documented safe default, and one ERROR line names the attribute.
 */
class ConfigItemTest extends FlowTest {

    void configItem(Map<String, AttributeValue> attributes) {
        Map<String, AttributeValue> item = new HashMap<>(attributes);
        item.put("provider", AttributeValue.fromS(FlowHarness.PROVIDER));
        h.dynamo().putItem(r -> r.tableName(h.tableNames.circuit()).item(item));
    }

    List<JsonNode> problems() {
        return h.logs.withMessage("config item has a value the code does not understand; using the safe default");
    }

    @Test
    @DisplayName("an unknown circuitState ('opne') reads as half-open: one caller probes, and its result repairs the item")
    void unknownCircuitState() {
        configItem(Map.of("circuitState", AttributeValue.fromS("opne"), "version", AttributeValue.fromN("4")));
        anthropic.replies(FakeAnthropic.QUEST_JSON);

        Outcome first = h.generate("quest_description", 1);
        h.generate("quest_description", 2);

        assertTrue(first instanceof Outcome.Ready r && r.probe(), "the first caller is the probe");
        assertEquals("closed", h.rawCircuitItem().get("circuitState").s(), "the probe's success wrote a state the code knows");
        assertEquals(1, problems().size(), "one ERROR line, not one per request");
        assertEquals("circuitState: unknown value, read as half_open", problems().get(0).path("problem").asText());
        assertEquals("ERROR", problems().get(0).path("level").asText());
    }

    @ParameterizedTest(name = "{0} = {1} {2}")
    @CsvSource({
            "maxTokens, S, lots",
            "maxTokens, N, 0",
            "maxTokens, N, 99999999",
            "maxTokens, N, 1.5",
            "model, S, ''",
            "model, S, 'claude sonnet'",
            "model, N, 4",
            "tokenBudget, S, unlimited",
            "tokenBudget, N, -5",
            "forcedState, S, sideways",
            "throttledUntil, S, soon",
            "recentFailures, S, many",
            "stackSettings, S, oops",
            "budgetDay, S, yesterday"})
    @DisplayName("a bad override or bookkeeping value is ignored with an ERROR naming it; the request is generated as usual")
    void badValues(String attribute, String type, String value) {
        configItem(Map.of(attribute, type.equals("N") ? AttributeValue.fromN(value) : AttributeValue.fromS(value)));
        anthropic.replies(FakeAnthropic.QUEST_JSON);

        Outcome outcome = h.generate("quest_description", 1);

        assertInstanceOf(Outcome.Ready.class, outcome);
        JsonNode body = anthropic.requestBodies().get(0);
        assertEquals(GenerateSettings.DEFAULT_MODEL, body.path("model").asText());
        assertEquals(1024, body.path("max_tokens").asInt());
        assertEquals(1, problems().size());
        assertTrue(problems().get(0).path("problem").asText().startsWith(attribute), problems().get(0).toString());
        assertTrue(problems().get(0).toString().contains(attribute) && !problems().get(0).toString().contains("'" + value + "'"));
    }

    @Test
    @DisplayName("an item written before the sliding window (count + window start only) is still read")
    void legacyWindow() {
        configItem(Map.of("circuitState", AttributeValue.fromS("closed"), "failureCount", AttributeValue.fromN("2"),
                "failureWindowStart", AttributeValue.fromN(Long.toString(h.now().minusSeconds(10).toEpochMilli())),
                "version", AttributeValue.fromN("2")));
        anthropic.failsWith(500);

        Outcome third = h.generate("quest_description", 1);

        assertTrue(((Outcome.Fallback) third).circuitOpened());
        assertEquals(CircuitState.OPEN, h.circuitRecord().state());
        assertTrue(problems().isEmpty());
    }
}
