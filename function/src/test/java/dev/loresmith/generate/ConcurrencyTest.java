package dev.loresmith.generate;

import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitState;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.testing.Concurrently;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FlowHarness;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many threads as many Lambda instances, against one DynamoDB Local: the circuit and the items stay in
 * states the design allows. Each race and its allowed outcomes are listed in docs/RELIABILITY.md.
 */
class ConcurrencyTest extends FlowTest {

    static final String QUEST = "quest_description";
    static final String QUEST_JSON = FakeAnthropic.QUEST_JSON;

    @Test
    @DisplayName("50 concurrent requests whose calls all fail: one opening, one schedule, no item pending, all fallbacks")
    @Tag("concurrency")
    void fiftyFailures() throws Exception {
        anthropic.failsAfter(500, 200);

        List<Outcome> outcomes = Concurrently.run(50, i -> h.generate(QUEST, 1000 + i));

        assertEquals(1, h.circuitRecord().generation(), "opened exactly once");
        assertEquals(CircuitState.OPEN, h.circuitRecord().state());
        assertEquals(1, aws.createdSchedules().size());
        assertEquals(1, outcomes.stream().filter(o -> o instanceof Outcome.Fallback f && f.circuitOpened()).count());
        for (int i = 0; i < 50; i++) {
            ContentItem item = h.item(QUEST, 1000 + i);
            assertEquals(ContentStatus.FAILED, item.status());
            assertEquals(h.types.find(QUEST).orElseThrow().fallbackFor(item.key().contentId()), item.text());
        }
        System.out.printf("RELIABILITY fifty-failures: apiCalls=%d openings=%d schedules=%d pending=0 transactAttempts=%d%n",
                anthropic.requestCount(), h.circuitRecord().generation(), aws.createdSchedules().size(),
                h.dynamoRequests.of(TransactWriteItemsRequest.class).size());
    }

    @RepeatedTest(5)
    @DisplayName("race: two failures against one success at count 2 → closed with a count, or open once")
    @Tag("concurrency")
    void failuresRaceSuccess() throws Exception {
        anthropic.failsWith(500);
        h.generate(QUEST, 1);
        h.generate(QUEST, 2);
        anthropic.reset();
        // The success is told apart by its context: WireMock answers it 200, the rest 500.
        anthropic.succeedsWhenBodyContains("SUCCESS-CALLER", QUEST_JSON, 500);

        Concurrently.run(3, i -> h.generate(QUEST, "1" + i, TestJson.parse(
                i == 0 ? "{\"who\":\"SUCCESS-CALLER\"}" : "{\"who\":\"failing\"}")));

        CircuitRecord after = h.circuitRecord();
        assertTrue((after.state() == CircuitState.CLOSED && after.failureCount() <= 2)
                        || (after.state() == CircuitState.OPEN && after.generation() == 1),
                "allowed: closed with count 0..2, or open at generation 1; was " + after);
        assertEquals(after.state() == CircuitState.OPEN ? 1 : 0, aws.createdSchedules().size());
        // The would-be success is generated, unless the circuit opened before it read the config: then it
        // is turned away at the door like any caller of an open circuit.
        ContentItem success = h.item(QUEST, 10);
        assertTrue(success.status() == ContentStatus.READY
                        || (after.state() == CircuitState.OPEN && "fallback:circuit_open".equals(success.model())),
                success.toString());
    }

    @RepeatedTest(5)
    @DisplayName("race: the reset of generation g against the opening of g → open g or half_open g, never closed, never g+1")
    @Tag("concurrency")
    void resetRacesOpening() throws Exception {
        anthropic.failsWith(500);
        h.generate(QUEST, 1);
        h.generate(QUEST, 2);

        Concurrently.run(2, i -> i == 0 ? h.generate(QUEST, 3) : h.reset().reset(dev.loresmith.llm.Provider.ANTHROPIC, 1));

        CircuitRecord after = h.circuitRecord();
        assertEquals(1, after.generation());
        assertTrue(Set.of(CircuitState.OPEN, CircuitState.HALF_OPEN).contains(after.state()), after.toString());
    }

    @Test
    @DisplayName("transaction conflicts are retried with backoff and then commit the accounting")
    void conflictsRetried() {
        anthropic.failsWith(500);
        h.dynamoFaults.failNext(TransactWriteItemsRequest.class, 2, () -> TransactionCanceledException.builder()
                .message("Transaction cancelled (injected)")
                .cancellationReasons(CancellationReason.builder().code("None").build(),
                        CancellationReason.builder().code("TransactionConflict").build())
                .build());

        h.generate(QUEST, 1);

        assertEquals(3, h.dynamoRequests.of(TransactWriteItemsRequest.class).size(), "2 injected conflicts + 1 commit");
        assertEquals(1, h.circuitRecord().failureCount());
        assertEquals(ContentStatus.FAILED, h.item(QUEST, 1).status());
    }

    @Test
    @DisplayName("throttling that outlasts the retries: the item still gets its fallback, written alone")
    void throttlingExhausted() {
        anthropic.failsWith(500);
        h.dynamoFaults.failNext(TransactWriteItemsRequest.class, 100, () -> ProvisionedThroughputExceededException.builder()
                .message("Throughput exceeded (injected)").build());

        Outcome outcome = h.generate(QUEST, 1);

        assertEquals(5, h.dynamoRequests.of(TransactWriteItemsRequest.class).size(), "bounded: maxCommitAttempts");
        assertEquals(ContentStatus.FAILED, h.item(QUEST, 1).status());
        assertEquals("fallback:api_error_500", outcome.item().model());
        assertEquals(0, h.circuitRecord().failureCount(), "the accounting was given up, not the item");
        assertEquals(2, h.dynamoRequests.of(UpdateItemRequest.class).size(), "the claim, and the item written alone");
        assertEquals(1, h.logs.withMessage("circuit accounting gave up").size());
    }

    @Test
    @DisplayName("scheduler unavailable at the opening: the circuit still recovers through an overdue probe")
    void schedulerDown() {
        aws.schedulerUnavailable();
        anthropic.failsWith(500);
        for (int id = 1; id <= 3; id++) {
            h.generate(QUEST, id);
        }
        assertEquals(CircuitState.OPEN, h.circuitRecord().state());
        assertEquals(1, h.logs.withMessage("circuit reset not scheduled").size());

        anthropic.replies(QUEST_JSON);
        h.clock.advance(Duration.ofMinutes(5).plusSeconds(30));
        assertEquals(FallbackReason.CIRCUIT_OPEN, ((Outcome.Fallback) h.generate(QUEST, 4)).reason(), "still within the grace");
        h.clock.advance(Duration.ofSeconds(31));
        Outcome probe = h.generate(QUEST, 5);

        assertTrue(probe instanceof Outcome.Ready r && r.probe());
        assertEquals(CircuitState.CLOSED, h.circuitRecord().state());
        assertNotEquals(0, anthropic.requestCount());
    }

}
