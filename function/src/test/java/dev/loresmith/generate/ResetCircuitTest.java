package dev.loresmith.generate;

import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitState;
import dev.loresmith.testing.Circuits;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FakeAws;
import dev.loresmith.testing.FlowHarness;
import dev.loresmith.testing.FlowTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The reset operation against DynamoDB Local: only the matching generation moves open → half-open. */
class ResetCircuitTest extends FlowTest {


    CircuitRecord openAt(long generation) {
        return Circuits.open(h.now().minus(Duration.ofMinutes(5)), generation, 20);
    }

    @Test
    @DisplayName("open at generation g + reset(g) → half_open, ready for one probe")
    void matching() {
        h.circuitIs(openAt(3));

        assertEquals(ResetCircuit.Result.HALF_OPENED, h.reset().reset(dev.loresmith.llm.Provider.ANTHROPIC, 3));

        assertEquals("half_open", h.rawCircuitItem().get("circuitState").s());
        assertEquals("3", h.rawCircuitItem().get("generation").n());
    }

    @Test
    @DisplayName("a repeated reset changes nothing")
    void repeated() {
        h.circuitIs(openAt(3));
        h.reset().reset(dev.loresmith.llm.Provider.ANTHROPIC, 3);
        CircuitRecord after = h.circuitRecord();

        assertEquals(ResetCircuit.Result.STALE, h.reset().reset(dev.loresmith.llm.Provider.ANTHROPIC, 3));

        assertEquals(after, h.circuitRecord());
    }

    @Test
    @DisplayName("a stale reset (older generation) leaves a newer opening open")
    void stale() {
        h.circuitIs(openAt(4));
        CircuitRecord before = h.circuitRecord();

        assertEquals(ResetCircuit.Result.STALE, h.reset().reset(dev.loresmith.llm.Provider.ANTHROPIC, 3));

        assertEquals(before, h.circuitRecord());
        assertEquals("open", h.rawCircuitItem().get("circuitState").s());
    }

    @Test
    @DisplayName("a reset of a closed circuit changes nothing")
    void closed() {
        assertEquals(ResetCircuit.Result.STALE, h.reset().reset(dev.loresmith.llm.Provider.ANTHROPIC, 0));
        assertEquals(CircuitRecord.initial(), h.circuitRecord());
    }

    @Test
    @DisplayName("the reset keeps operator overrides (model, maxTokens) on the config item")
    void keepsOverrides() {
        h.circuitIs(openAt(2));
        h.dynamo().updateItem(r -> r.tableName(h.tableNames.circuit())
                .key(Map.of("provider", AttributeValue.fromS(FlowHarness.PROVIDER)))
                .updateExpression("SET model = :m")
                .expressionAttributeValues(Map.of(":m", AttributeValue.fromS("claude-opus-4-5"))));

        h.reset().reset(dev.loresmith.llm.Provider.ANTHROPIC, 2);

        assertEquals("claude-opus-4-5", h.config().model(dev.loresmith.llm.Provider.ANTHROPIC, "default"));
    }
}
