package dev.loresmith.generate;

import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FlowTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The DynamoDB requests each path of the flow sends, in order (docs/PERFORMANCE.md, figure 2). */
class RoundTripsTest extends FlowTest {

    static final String QUEST_JSON = FakeAnthropic.QUEST_JSON;

    List<String> requestsFor(Runnable scenario) {
        h.dynamoRequests.clear();
        scenario.run();
        return h.dynamoRequests.all().stream().map(r -> r.getClass().getSimpleName().replace("Request", "")).toList();
    }

    @Test
    @DisplayName("success: claim, config read (one BatchGetItem of the stack item and every provider's), result — 3 requests, 2 before the API call")
    void success() {
        anthropic.replies(QUEST_JSON);
        assertEquals(List.of("UpdateItem", "BatchGetItem", "UpdateItem"), requestsFor(() -> h.generate("quest_description", 1)));
    }

    @Test
    @DisplayName("success with a token budget: one more request, an atomic add to the day's counter after the call — 4")
    void successWithBudget() {
        h.stackItem(Map.of("tokenBudget", AttributeValue.fromN("1000000")));
        anthropic.replies(QUEST_JSON);
        h.generate("quest_description", 1); // the day's counter exists from now on
        assertEquals(List.of("UpdateItem", "BatchGetItem", "UpdateItem", "UpdateItem"), requestsFor(() -> h.generate("quest_description", 2)));
    }

    @Test
    @DisplayName("rate limited: the fallback, then the shared throttle moved forward — 4; the next request is held back — 3, no call")
    void rateLimited() {
        anthropic.failsWith(429);
        assertEquals(List.of("UpdateItem", "BatchGetItem", "UpdateItem", "UpdateItem"), requestsFor(() -> h.generate("quest_description", 1)));
        assertEquals(List.of("UpdateItem", "BatchGetItem", "UpdateItem"), requestsFor(() -> h.generate("quest_description", 2)));
        assertEquals(1, anthropic.requestCount());
    }

    @Test
    @DisplayName("counted failure: the fallback and the count in one transaction — 3 requests")
    void countedFailure() {
        anthropic.failsWith(500);
        assertEquals(List.of("UpdateItem", "BatchGetItem", "TransactWriteItems"), requestsFor(() -> h.generate("quest_description", 1)));
    }

    @Test
    @DisplayName("duplicate of a ready item: the refused claim only — 1 request")
    void duplicate() {
        anthropic.replies(QUEST_JSON);
        h.generate("quest_description", 1);
        assertEquals(List.of("UpdateItem"), requestsFor(() -> h.generate("quest_description", 1)));
    }
}
