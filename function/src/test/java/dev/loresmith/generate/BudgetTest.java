package dev.loresmith.generate;

import com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.handler.SqsGenerateHandler;
import dev.loresmith.handler.Wiring;
import dev.loresmith.storage.StackSettings;
import dev.loresmith.testing.Concurrently;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FakeContext;
import dev.loresmith.testing.FlowHarness;
import dev.loresmith.testing.FlowTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The spend guard: a daily token budget, counted atomically after each real call, that stops calls once spent. */
class BudgetTest extends FlowTest {

    /** The fake's usage per reply: 1234 input + 56 output + 1100 cache reads at a tenth = 1400 budget tokens. */
    static final long PER_CALL = 1234 + 56 + 110;

    void budget(long tokens) {
        h.dynamo().updateItem(r -> r.tableName(h.tableNames.circuit())
                .key(Map.of("provider", AttributeValue.fromS("stack")))
                .updateExpression("SET tokenBudget = :b").expressionAttributeValues(Map.of(":b", AttributeValue.fromN(Long.toString(tokens)))));
    }

    LocalDate today() {
        return LocalDate.ofInstant(h.now(), ZoneOffset.UTC);
    }

    @Test
    @DisplayName("each reply's tokens are added to the day's counter, cache reads at a tenth; once spent, no call: budget_exhausted")
    void spendsThenStops() {
        budget(2 * PER_CALL);
        anthropic.replies(FakeAnthropic.QUEST_JSON);

        assertInstanceOf(Outcome.Ready.class, h.generate("quest_description", 1));
        assertEquals(PER_CALL, h.config().tokensUsedOn(today()));
        assertInstanceOf(Outcome.Ready.class, h.generate("quest_description", 2));
        Outcome spent = h.generate("quest_description", 3);

        assertEquals(FallbackReason.BUDGET_EXHAUSTED, ((Outcome.Fallback) spent).reason());
        assertEquals("fallback:budget_exhausted", h.item("quest_description", 3).model());
        assertEquals(null, h.item("quest_description", 3).followUp(), "budget_exhausted is not upgraded");
        assertEquals(2, anthropic.requestCount());
        assertEquals(0, h.circuitRecord().failureCount());
    }

    @Test
    @DisplayName("a new UTC day starts a new count; a raised budget lets calls through at once")
    void nextDayOrRaised() {
        budget(PER_CALL);
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        h.generate("quest_description", 1);
        assertEquals(FallbackReason.BUDGET_EXHAUSTED, ((Outcome.Fallback) h.generate("quest_description", 2)).reason());

        budget(10 * PER_CALL);
        assertInstanceOf(Outcome.Ready.class, h.generate("quest_description", 3));

        budget(2 * PER_CALL);
        assertEquals(FallbackReason.BUDGET_EXHAUSTED, ((Outcome.Fallback) h.generate("quest_description", 4)).reason());
        h.clock.set(h.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.DAYS));
        assertInstanceOf(Outcome.Ready.class, h.generate("quest_description", 5));
        assertEquals(PER_CALL, h.config().tokensUsedOn(today()));
    }

    @Test
    @DisplayName("the stack's DailyTokenBudget applies unless the config item overrides it; 0 means none")
    void stackBudget() {
        h.circuits.writeStackSettings(new StackSettings("claude-sonnet-4-5", 1024, anthropic.baseUrl(), PER_CALL));
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        h.generate("quest_description", 1);
        assertEquals(FallbackReason.BUDGET_EXHAUSTED, ((Outcome.Fallback) h.generate("quest_description", 2)).reason());

        h.circuits.writeStackSettings(new StackSettings("claude-sonnet-4-5", 1024, anthropic.baseUrl(), 0L));
        assertInstanceOf(Outcome.Ready.class, h.generate("quest_description", 3));
    }

    @Test
    @DisplayName("a late count for yesterday (a call finished at 23:59:59.9, counted after midnight) never replaces today's counter")
    void lateCountForYesterday() {
        h.clock.set(Instant.parse("2026-11-26T00:00:05Z"));
        h.circuits.addTokens(today(), 4000);

        h.circuits.addTokens(today().minusDays(1), 1400);

        assertEquals(4000, h.config().tokensUsedOn(today()), "today's count stands");
        assertEquals(today().toString(), h.rawStackItem().get("budgetDay").s());
        assertTrue(h.logs.withMessage("token usage not counted").isEmpty());
    }

    @Test
    @DisplayName("a call that ends after midnight counts to the new day, whatever day it started on")
    void callAcrossMidnight() {
        budget(10 * PER_CALL);
        h.clock.set(Instant.parse("2026-11-25T23:59:59.500Z"));
        h.circuits.addTokens(today(), 3 * PER_CALL);
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        h.withCalls((transport, plan) -> {
            h.clock.advance(Duration.ofSeconds(1)); // the call ends at 00:00:00.5
            return transport.send(plan);
        });

        assertInstanceOf(Outcome.Ready.class, h.generate("quest_description", 1));

        assertEquals(PER_CALL, h.config().tokensUsedOn(today()), "the new day's count starts at this call");
    }

    @ParameterizedTest(name = "budgetDay = {0}")
    @CsvSource({"2099-12-31", "9999-99-99", "someday", "2026-11-25T00:00", "2026-11-2"})
    @DisplayName("a budgetDay no count writes (far ahead, not a date) never stops the counting: the next count restarts today's")
    void badBudgetDayRestarted(String day) {
        budget(2 * PER_CALL);
        h.stackItem(Map.of("budgetDay", AttributeValue.fromS(day), "tokensUsed", AttributeValue.fromN("5")));
        anthropic.replies(FakeAnthropic.QUEST_JSON);

        for (int id = 1; id <= 4; id++) {
            h.generate("quest_description", id);
        }

        assertEquals(2, anthropic.requestCount(), "two calls spend the budget; the rest fall back");
        assertEquals(today().toString(), h.rawStackItem().get("budgetDay").s());
        assertEquals(2 * PER_CALL, h.config().tokensUsedOn(today()));
    }

    @Test
    @DisplayName("an override of tokenBudget 0 means spend nothing: it never switches the stack's budget off")
    void zeroOverrideSpendsNothing() {
        h.circuits.writeStackSettings(new StackSettings("claude-sonnet-4-5", 1024, anthropic.baseUrl(), 100 * PER_CALL));
        budget(0);
        anthropic.replies(FakeAnthropic.QUEST_JSON);

        Outcome outcome = h.generate("quest_description", 1);

        assertEquals(FallbackReason.BUDGET_EXHAUSTED, ((Outcome.Fallback) outcome).reason());
        assertEquals(0, anthropic.requestCount());
        assertEquals(OptionalLong.of(0), h.config().tokenBudget());
    }

    @Test
    @DisplayName("concurrent requests may overshoot by at most the calls in flight: each read the budget before any added to it")
    @Tag("concurrency")
    void overshootBounded() throws Exception {
        long budget = 3 * PER_CALL;
        budget(budget);
        anthropic.repliesAfter(FakeAnthropic.QUEST_JSON, 300);
        int inFlight = 8;

        List<Outcome> outcomes = Concurrently.run(inFlight, i -> h.generate("quest_description", 100 + i));

        long used = h.config().tokensUsedOn(today());
        long calls = outcomes.stream().filter(o -> o instanceof Outcome.Ready).count();
        assertEquals(calls * PER_CALL, used, "every call counted, atomically");
        assertTrue(used <= budget + inFlight * PER_CALL, "overshoot bounded by the calls in flight: " + used);
        System.out.println("budget overshoot: budget " + budget + ", used " + used + " after " + calls + " concurrent calls");
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        assertEquals(FallbackReason.BUDGET_EXHAUSTED, ((Outcome.Fallback) h.generate("quest_description", 200)).reason());
        assertEquals(0, anthropic.requestCount(), "and then no call at all");
    }

    @Test
    @DisplayName("EMF: BudgetUsed and BudgetUsedPercent after each call while a budget is set (the 80 % alarm reads it)")
    void metrics() {
        budget(10 * PER_CALL);
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        SqsGenerateHandler handler = new SqsGenerateHandler(Wiring.generate(h.outside()));
        SQSEvent event = new SQSEvent();
        SQSMessage message = new SQSMessage();
        message.setMessageId("m-1");
        message.setBody("{\"contentType\":\"quest_description\",\"contentId\":1}");
        event.setRecords(List.of(message));

        handler.handleRequest(event, FakeContext.withSeconds(45));

        JsonNode emf = h.emf.parsed().get(0);
        assertEquals(PER_CALL, emf.path("BudgetUsed").asLong());
        assertEquals(10.0, emf.path("BudgetUsedPercent").asDouble(), 0.001);
    }
}
