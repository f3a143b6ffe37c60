package dev.loresmith.handler;

import dev.loresmith.testing.FlowTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SnapStart priming warms each handler's first-request path and changes nothing anywhere. */
class PrimingTest extends FlowTest {

    @Test
    @DisplayName("priming every handler reads each table once and writes nothing, calls no API, schedules nothing")
    void sideEffectFree() {
        Services services = h.services();
        new SqsGenerateHandler(services).prime();
        new ApiHandler(services).prime();
        new ResetHandler(services).prime();
        new DeadLetterHandler(services).prime();

        assertEquals(0, h.dynamo().scan(r -> r.tableName(h.tableNames.content())).count());
        assertEquals(0, h.dynamo().scan(r -> r.tableName(h.tableNames.circuit())).count());
        List<String> kinds = h.dynamoRequests.all().stream().map(r -> r.getClass().getSimpleName()).distinct().toList();
        assertEquals(List.of("GetItemRequest"), kinds, "reads only");
        assertTrue(h.dynamoRequests.of(GetItemRequest.class).stream().allMatch(GetItemRequest::consistentRead));
        assertEquals(0, anthropic.requestCount());
        assertTrue(aws.createdSchedules().isEmpty());
        assertEquals(0, aws.secretReads());
        assertTrue(h.queue.messages().isEmpty());
        assertTrue(h.emf.lines().isEmpty(), "no metrics from priming");
    }
}
