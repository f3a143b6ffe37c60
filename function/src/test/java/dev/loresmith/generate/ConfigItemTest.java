package dev.loresmith.generate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.circuit.CircuitState;
import dev.loresmith.llm.LlmReply.NetworkError;
import dev.loresmith.storage.ProviderConfig;
import dev.loresmith.storage.StackSettings;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FlowHarness;
import dev.loresmith.testing.FlowTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The config item is edited by hand (README, "Configuration"): whatever an operator types there, every request
 * still ends, the value is replaced by its documented safe default, and one ERROR line names the attribute.
 */
class ConfigItemTest extends FlowTest {

    /** What every provider shares lives on the stack item; the rest on Anthropic's. */
    static final Set<String> SHARED = Set.of("tokenBudget", "tokensUsed", "budgetDay", "stackSettings", "providers");

    /** Puts {@code attributes} where they live, as an operator editing the items would. */
    void configItem(Map<String, AttributeValue> attributes) {
        Map<String, AttributeValue> provider = new HashMap<>();
        Map<String, AttributeValue> stack = new HashMap<>();
        attributes.forEach((name, value) -> (SHARED.contains(name) ? stack : provider).put(name, value));
        if (!provider.isEmpty()) {
            provider.put("provider", AttributeValue.fromS(FlowHarness.PROVIDER));
            h.dynamo().putItem(r -> r.tableName(h.tableNames.circuit()).item(provider));
        }
        if (!stack.isEmpty()) {
            h.stackItem(stack);
        }
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
            "budgetDay, S, yesterday",
            "budgetDay, S, 2099-12-31",
            "tokenBudget, N, 1.5",
            "version, S, 7",
            "version, N, -3",
            "tokensUsed, S, lots",
            "tokensUsed, N, -100"})
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

    static final String RATE_LIMITED = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}";

    static AttributeValue typed(String type, String value) {
        return type.equals("N") ? AttributeValue.fromN(value) : AttributeValue.fromS(value);
    }

    @ParameterizedTest(name = "version = {0} {1}")
    @CsvSource({"S, 7", "N, -3", "N, 7.5", "N, 99999999999999999999", "BOOL, true"})
    @DisplayName("a version no circuit write could have stored does not freeze the circuit: an overdue open circuit is probed, and closes")
    void badVersionOpenCircuitRecovers(String type, String value) {
        Map<String, AttributeValue> item = new HashMap<>(Map.of("circuitState", AttributeValue.fromS("open"),
                "openedAt", AttributeValue.fromN(Long.toString(h.now().minus(Duration.ofMinutes(10)).toEpochMilli())),
                "generation", AttributeValue.fromN("2")));
        item.put("version", type.equals("BOOL") ? AttributeValue.fromBool(true) : typed(type, value));
        configItem(item);
        anthropic.replies(FakeAnthropic.QUEST_JSON);

        Outcome first = h.generate("quest_description", 1);

        assertTrue(first instanceof Outcome.Ready r && r.probe(), "the overdue circuit is probed: " + first);
        assertEquals("closed", h.rawCircuitItem().get("circuitState").s());
        assertTrue(h.rawCircuitItem().get("version").n() != null, "the write replaced the version with a number");
        assertInstanceOf(Outcome.Ready.class, h.generate("quest_description", 2));
        assertEquals(2, anthropic.requestCount());
    }

    @ParameterizedTest(name = "version = {0} {1}")
    @CsvSource({"S, 7", "N, 7.5", "N, 99999999999999999999"})
    @DisplayName("a version no circuit write could have stored does not switch the breaker off: three failures open it")
    void badVersionClosedCircuitStillOpens(String type, String value) {
        configItem(Map.of("circuitState", AttributeValue.fromS("closed"), "version", typed(type, value)));
        anthropic.failsWith(500);

        for (int id = 1; id <= 3; id++) {
            h.generate("quest_description", id);
        }
        Outcome fourth = h.generate("quest_description", 4);

        assertEquals(CircuitState.OPEN, h.circuitRecord().state());
        assertEquals(FallbackReason.CIRCUIT_OPEN, ((Outcome.Fallback) fourth).reason());
        assertEquals(3, anthropic.requestCount());
        assertEquals(1, aws.createdSchedules().size());
    }

    @ParameterizedTest(name = "throttledUntil = {0} {1}")
    @CsvSource({"S, soon", "N, FAR"})
    @DisplayName("a throttledUntil no throttle writes (a string; years ahead) neither holds every call back nor switches the shared back-off off")
    void badThrottle(String type, String value) {
        String far = Long.toString(h.now().plus(Duration.ofDays(365 * 30)).toEpochMilli() * 1000); // microseconds
        configItem(Map.of("throttledUntil", typed(type, value.replace("FAR", far))));
        anthropic.answers(429, Map.of("retry-after", "60"), RATE_LIMITED);

        for (int id = 1; id <= 5; id++) {
            h.generate("quest_description", id);
        }

        assertEquals(1, anthropic.requestCount(), "the first call's 429 holds the other four back");
        assertEquals(h.now().plusSeconds(60), h.providerConfig().throttledUntil());
        assertEquals("fallback:rate_limited", h.item("quest_description", 5).model());
        assertEquals(1, problems().size());
        assertTrue(problems().get(0).path("problem").asText().startsWith("throttledUntil"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"open, openedAt", "half_open, probeUntil"})
    @DisplayName("an openedAt or probeUntil typed far in the future does not freeze the circuit: the next request probes it, and it closes")
    void farFutureCircuitTimes(String state, String attribute) {
        configItem(Map.of("circuitState", AttributeValue.fromS(state), "generation", AttributeValue.fromN("1"), "version", AttributeValue.fromN("3"),
                attribute, AttributeValue.fromN(Long.toString(h.now().plus(Duration.ofDays(365)).toEpochMilli()))));
        anthropic.replies(FakeAnthropic.QUEST_JSON);

        Outcome first = h.generate("quest_description", 1);

        assertTrue(first instanceof Outcome.Ready r && r.probe(), "probed at once: " + first);
        assertEquals(CircuitState.CLOSED, h.circuitRecord().state());
        assertEquals(1, problems().size());
        assertTrue(problems().get(0).path("problem").asText().startsWith(attribute));
    }

    @Test
    @DisplayName("the write that replaces a bad throttle never moves a real one back")
    void throttleNeverBack() {
        Instant now = h.now();
        assertTrue(h.circuits.throttleUntil(dev.loresmith.llm.Provider.ANTHROPIC, now.plusSeconds(60), "rate_limited", ProviderConfig.implausibleThrottleAfter(now)));
        assertFalse(h.circuits.throttleUntil(dev.loresmith.llm.Provider.ANTHROPIC, now.plusSeconds(30), "rate_limited", ProviderConfig.implausibleThrottleAfter(now)));
        assertEquals(now.plusSeconds(60), h.providerConfig().throttledUntil());
    }

    @ParameterizedTest(name = "tokensUsed = {0} {1}")
    @CsvSource({"S, lots", "N, -1000000", "BOOL, true"})
    @DisplayName("a tokensUsed no count writes is restarted by the next count: the budget still stops calls")
    void badTokensUsed(String type, String value) {
        Map<String, AttributeValue> item = new HashMap<>(Map.of("tokenBudget", AttributeValue.fromN(Long.toString(2 * BudgetTest.PER_CALL)),
                "budgetDay", AttributeValue.fromS(LocalDate.ofInstant(h.now(), ZoneOffset.UTC).toString())));
        item.put("tokensUsed", type.equals("BOOL") ? AttributeValue.fromBool(true) : typed(type, value));
        configItem(item);
        anthropic.replies(FakeAnthropic.QUEST_JSON);

        for (int id = 1; id <= 5; id++) {
            h.generate("quest_description", id);
        }

        assertEquals(2, anthropic.requestCount(), "two calls spend the budget; the rest fall back");
        assertEquals(2 * BudgetTest.PER_CALL, h.config().tokensUsedOn(LocalDate.ofInstant(h.now(), ZoneOffset.UTC)));
        assertEquals("fallback:budget_exhausted", h.item("quest_description", 5).model());
        assertTrue(h.logs.withMessage("token usage not counted").isEmpty());
    }

    @Test
    @DisplayName("a tokensUsed beyond a 64-bit integer reads as spent, not as zero")
    void hugeTokensUsed() {
        configItem(Map.of("tokenBudget", AttributeValue.fromN("1000000"),
                "budgetDay", AttributeValue.fromS(LocalDate.ofInstant(h.now(), ZoneOffset.UTC).toString()),
                "tokensUsed", AttributeValue.fromN("99999999999999999999999")));
        anthropic.replies(FakeAnthropic.QUEST_JSON);

        Outcome outcome = h.generate("quest_description", 1);

        assertEquals(FallbackReason.BUDGET_EXHAUSTED, ((Outcome.Fallback) outcome).reason());
        assertEquals(0, anthropic.requestCount());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"'https://proxy.example.com/a|b'", "http://proxy.example.com", "https://user:secret@proxy.example.com",
            "https://proxy.example.com/?key=1", "ftp://proxy.example.com"})
    @DisplayName("a stack baseUrl the key must not go to (or cannot go to) is ignored with an ERROR: the default endpoint is used, not no_config")
    void badBaseUrl(String url) {
        h.circuits.writeStackSettings(new StackSettings(null, null, url, null));
        List<String> targets = new ArrayList<>();
        h.withCalls((transport, plan) -> {
            targets.add(plan.baseUrl());
            return NetworkError.timedOutAfter(GenerateSettings.DEFAULTS.apiTimeout());
        });

        Outcome outcome = h.generate("quest_description", 1);

        assertEquals(List.of(anthropic.baseUrl()), targets.stream().distinct().toList(), "the default endpoint (here the fake)");
        assertEquals("network_error", ((Outcome.Fallback) outcome).reason().code());
        assertEquals(1, problems().size());
        assertEquals("stackSettings.baseUrl: out of range or malformed, ignored", problems().get(0).path("problem").asText());
        assertFalse(problems().get(0).toString().contains("proxy.example.com"), "the value is never logged");
    }
}
