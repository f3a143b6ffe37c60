package dev.loresmith.generate;

import dev.loresmith.testing.FlowTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The DynamoDB requests each path of the flow sends, in order (docs/PERFORMANCE.md, figure 2). */
class RoundTripsTest extends FlowTest {

    static final String QUEST_JSON = "{\"title\":\"T\",\"description\":\"D\"}";

    List<String> requestsFor(Runnable scenario) {
        h.dynamoRequests.clear();
        scenario.run();
        return h.dynamoRequests.all().stream().map(r -> r.getClass().getSimpleName().replace("Request", "")).toList();
    }

    @Test
    @DisplayName("success: claim, config read, result — 3 requests, 2 before the API call")
    void success() {
        anthropic.replies(QUEST_JSON);
        assertEquals(List.of("UpdateItem", "GetItem", "PutItem"), requestsFor(() -> h.generate("quest_description", 1)));
    }

    @Test
    @DisplayName("counted failure: the fallback and the count in one transaction — 3 requests")
    void countedFailure() {
        anthropic.failsWith(500);
        assertEquals(List.of("UpdateItem", "GetItem", "TransactWriteItems"), requestsFor(() -> h.generate("quest_description", 1)));
    }

    @Test
    @DisplayName("duplicate of a ready item: the refused claim only — 1 request")
    void duplicate() {
        anthropic.replies(QUEST_JSON);
        h.generate("quest_description", 1);
        assertEquals(List.of("UpdateItem"), requestsFor(() -> h.generate("quest_description", 1)));
    }
}
