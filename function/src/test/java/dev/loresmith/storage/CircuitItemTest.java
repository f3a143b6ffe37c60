package dev.loresmith.storage;

import dev.loresmith.circuit.CircuitState;
import dev.loresmith.circuit.ForcedState;
import dev.loresmith.generate.GenerateSettings;
import dev.loresmith.llm.Provider;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The config item read as every request reads it — without DynamoDB: whatever an operator typed, a value the code does
 * not understand reads as its documented safe default, and its attribute (never its value) is named in the problems.
 */
class CircuitItemTest {

    static AttributeValue value(String type, String text) {
        return type.equals("N") ? AttributeValue.fromN(text) : AttributeValue.fromS(text);
    }

    /** The attribute on the item where it lives: the stack item for what every provider shares, else Anthropic's. */
    static Config read(String attribute, String type, String text) {
        boolean shared = List.of("stackSettings", "budgetDay", "tokensUsed", "tokenBudget", "providers").contains(attribute);
        Map<String, AttributeValue> item = Map.of("provider", AttributeValue.fromS(shared ? "stack" : "anthropic"), attribute, value(type, text));
        return shared ? new Config(CircuitItem.parseStack(item), Map.of())
                : new Config(StackConfig.INITIAL, Map.of(Provider.ANTHROPIC, CircuitItem.parseProvider(item)));
    }

    static List<String> problems(Config config) {
        return config.problems().stream().map(Config.Problem::problem).toList();
    }

    @ParameterizedTest(name = "{0} = {1} {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
            "maxTokens | S | lots | maxTokens: not a whole number, ignored",
            "maxTokens | N | 0 | maxTokens: out of range or malformed, ignored",
            "maxTokens | N | 128001 | maxTokens: out of range or malformed, ignored",
            "maxTokens | N | 1.5 | maxTokens: not a whole number, ignored",
            "model | S | ' ' | model: empty, ignored",
            "model | S | claude sonnet | model: out of range or malformed, ignored",
            "model | N | 4 | model: not a string, ignored",
            "tokenBudget | N | -5 | tokenBudget: out of range or malformed, ignored",
            "forcedState | S | sideways | forcedState: unknown value, ignored",
            "circuitState | S | opne | circuitState: unknown value, read as half_open",
            "throttledUntil | S | soon | throttledUntil: not a whole number, ignored",
            "recentFailures | S | many | recentFailures: not a list, read as empty",
            "stackSettings | S | oops | stackSettings: not a map, ignored",
            "budgetDay | S | yesterday | budgetDay: not a date, read as none",
            "version | S | 7 | version: not a whole number, read as 0 and replaced by the next circuit write",
            "version | N | -3 | version: not a whole number, read as 0 and replaced by the next circuit write",
            "tokensUsed | N | -1 | tokensUsed: not a non-negative number, read as 0 and restarted by the next count"})
    void badValuesReadAsTheirSafeDefault(String attribute, String type, String text, String problem) {
        Config config = read(attribute, type, text);
        assertEquals(List.of(problem), problems(config));
        if (!text.isBlank()) {
            assertFalse(problems(config).get(0).contains(text.strip()), "the problem names the attribute, never the value");
        }
        assertEquals(GenerateSettings.DEFAULT_MODEL, config.model(Provider.ANTHROPIC, GenerateSettings.DEFAULT_MODEL),
                "no override is taken from a bad item");
        assertEquals(1024, config.maxTokens(Provider.ANTHROPIC, 1024));
        assertEquals(StackConfig.DEFAULT_PROVIDERS, config.order());
    }

    @Test
    @DisplayName("an unknown circuitState reads as half-open with no probe: one caller probes and its result repairs the item")
    void unknownStateIsHalfOpen() {
        ProviderConfig config = CircuitItem.parseProvider(Map.of("provider", AttributeValue.fromS("anthropic"),
                "circuitState", AttributeValue.fromS("opne"), "probeUntil", AttributeValue.fromN("99999999999999")));
        assertEquals(CircuitState.HALF_OPEN, config.circuit().state());
        assertNull(config.circuit().probeUntil());
        assertEquals(ForcedState.NONE, config.circuit().forced());
    }

    @Test
    @DisplayName("a fraction of a version reads as its whole part; a tokensUsed past 64 bits reads as the largest (the budget is spent)")
    void numbersAtTheEdges() {
        assertEquals(7, read("version", "N", "7.5").provider(Provider.ANTHROPIC).circuit().version());
        assertEquals(Long.MAX_VALUE, read("tokensUsed", "N", "1e40").stack().tokensUsed());
    }

    @Test
    @DisplayName("a throttle further ahead than any of ours is a hand edit: ignored, and named")
    void implausibleThrottle() {
        Instant now = Instant.parse("2026-11-25T10:00:00Z");
        Config config = read("throttledUntil", "N", Long.toString(now.plusSeconds(7200).toEpochMilli())).checkedAt(now);
        assertNull(config.provider(Provider.ANTHROPIC).throttledUntil());
        assertEquals(List.of("throttledUntil: further ahead than any throttle holds, ignored"), problems(config));
    }

    @ParameterizedTest(name = "{0} {1} s ahead")
    @CsvSource({"openedAt, 86400", "openedAt, 3600", "probeUntil, 86400", "probeUntil, 3600"})
    @DisplayName("an openedAt or probeUntil further ahead than any writer of ours stamps one is a hand edit: read as none, and named")
    void implausibleCircuitTimes(String attribute, long secondsAhead) {
        Instant now = Instant.parse("2026-11-25T10:00:00Z");
        Config config = new Config(StackConfig.INITIAL, Map.of(Provider.ANTHROPIC, CircuitItem.parseProvider(Map.of(
                "provider", AttributeValue.fromS("anthropic"), "circuitState", AttributeValue.fromS(attribute.equals("openedAt") ? "open" : "half_open"),
                attribute, AttributeValue.fromN(Long.toString(now.plusSeconds(secondsAhead).toEpochMilli())))))).checkedAt(now);
        assertNull(attribute.equals("openedAt") ? config.provider(Provider.ANTHROPIC).circuit().openedAt()
                : config.provider(Provider.ANTHROPIC).circuit().probeUntil());
        assertEquals(1, problems(config).size());
        assertTrue(problems(config).get(0).startsWith(attribute + ": further ahead"), problems(config).toString());
    }

    @Test
    @DisplayName("the times our own writers stamp are kept: a probe lease just taken, an opening a clock a little ahead wrote")
    void plausibleCircuitTimes() {
        Instant now = Instant.parse("2026-11-25T10:00:00Z");
        Config config = new Config(StackConfig.INITIAL, Map.of(Provider.ANTHROPIC, CircuitItem.parseProvider(Map.of(
                "provider", AttributeValue.fromS("anthropic"), "circuitState", AttributeValue.fromS("half_open"),
                "openedAt", AttributeValue.fromN(Long.toString(now.plusSeconds(20).toEpochMilli())),
                "probeUntil", AttributeValue.fromN(Long.toString(now.plusSeconds(60).toEpochMilli())))))).checkedAt(now);
        assertEquals(now.plusSeconds(20), config.provider(Provider.ANTHROPIC).circuit().openedAt());
        assertEquals(now.plusSeconds(60), config.provider(Provider.ANTHROPIC).circuit().probeUntil());
        assertEquals(List.of(), problems(config));
    }

    @Test
    @DisplayName("an item never written reads as a closed circuit with no settings and no problems")
    void absentItem() {
        ProviderConfig config = CircuitItem.parseProvider(Map.of());
        assertEquals(CircuitState.CLOSED, config.circuit().state());
        assertEquals(List.of(), config.problems());
        assertEquals(StackConfig.DEFAULT_PROVIDERS, CircuitItem.parseStack(Map.of()).providers());
    }
}
