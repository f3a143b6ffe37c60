package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.testing.FakeContext;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.TestJson;
import dev.loresmith.testing.TestOutside;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SQS handler on events/sqs-batch.json: 3 good messages, one with a negative id, one not JSON. */
class SqsGenerateHandlerTest extends FlowTest {

    SQSEvent batch = SampleEvents.sqs("sqs-batch.json");

    List<String> failedIds(SQSBatchResponse response) {
        return response.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList();
    }

    String messageId(int index) {
        return batch.getRecords().get(index).getMessageId();
    }

    @Test
    @DisplayName("generates every valid message and reports only the malformed ones, each logged with its reason")
    void sampleBatch() {
        anthropic.repliesForEachType();

        SQSBatchResponse response = new SqsGenerateHandler(Wiring.generate(h.outside())).handleRequest(batch, FakeContext.withSeconds(45));

        assertEquals(List.of(messageId(3), messageId(4)), failedIds(response));
        assertEquals(3, anthropic.requestCount());
        assertEquals(ContentStatus.READY, h.item("quest_description", 42).status());
        assertEquals("{\"title\":\"The Drowned Bell\",\"description\":\"Dive for the bell.\"}", h.item("quest_description", 42).text());
        assertEquals("{\"headline\":\"Holloway Dam Breaks\",\"consequence\":\"The lower fields flood.\"}", h.item("event_consequence", 7).text());
        assertEquals(ContentStatus.READY, h.item("quest_description", -1L).status());
        assertEquals(3, h.dynamo().scan(r -> r.tableName(h.tableNames.content())).count(), "no item for the malformed messages");

        List<JsonNode> rejected = h.logs.withMessage("message rejected");
        assertEquals(2, rejected.size());
        Map<String, String> fieldByMessage = Map.of(
                rejected.get(0).path("messageId").asText(), rejected.get(0).path("field").asText(),
                rejected.get(1).path("messageId").asText(), rejected.get(1).path("field").asText());
        assertEquals(Map.of(messageId(3), "contentId", messageId(4), "body"), fieldByMessage);
        assertEquals(3, h.logs.withMessage("content ready").size());
        assertEquals("anthropic", h.logs.withMessage("content ready").get(0).path("provider").asText(), "the provider that wrote it");
    }

    @Test
    @DisplayName("when the API fails, valid messages still end with fallbacks and are not retried")
    void apiDown() {
        anthropic.failsWith(503);

        SQSBatchResponse response = new SqsGenerateHandler(Wiring.generate(h.outside())).handleRequest(batch, FakeContext.withSeconds(45));

        assertEquals(List.of(messageId(3), messageId(4)), failedIds(response));
        assertEquals("fallback:api_error_503", h.item("quest_description", 42).model());
        assertEquals(ContentStatus.FAILED, h.item("event_consequence", 7).status());
    }

    /**
     * The batch's messages run in parallel, so their three failures race to move the circuit: exactly one opening
     * needs conditional writes that are atomic with their checks, which DynamoDB gives and moto does not (README,
     * "Testing against other emulators").
     */
    @Test
    @Tag("concurrency")
    @DisplayName("three failures in one batch, racing each other, open the circuit exactly once")
    void apiDownOpensCircuitOnce() {
        anthropic.failsWith(503);

        new SqsGenerateHandler(Wiring.generate(h.outside())).handleRequest(batch, FakeContext.withSeconds(45));

        assertEquals(1, h.circuitRecord().generation(), "three failures in one batch open the circuit");
        assertEquals(1, aws.createdSchedules().size());
    }

    @Test
    @DisplayName("each message's API call is bounded by the invocation's remaining time")
    void deadlineFromContext() {
        anthropic.repliesForEachTypeAfter(10_000);
        SQSEvent one = new SQSEvent();
        one.setRecords(List.of(batch.getRecords().get(0)));

        // 4 s left: 0.5 s response margin and 2 s write margin leave 1.5 s for the call, which times out in it.
        SQSBatchResponse response = new SqsGenerateHandler(Wiring.generate(h.outside())).handleRequest(one, new FakeContext(4_000));

        assertEquals(List.of(), failedIds(response));
        assertEquals(1, anthropic.requestCount());
        assertEquals("fallback:no_time", h.item("quest_description", 42).model());
        assertEquals(0, h.circuitRecord().failureCount(), "a call our own deadline cut short is not counted");
    }

    @Test
    @DisplayName("a storage error reports the message for retry instead of losing it")
    void storageError() {
        anthropic.repliesForEachType();
        Map<String, String> env = new HashMap<>(h.environment());
        env.put("CONTENT_TABLE", "no-such-table");
        TestOutside broken = h.outside().env(env).dynamo(h.dynamo())
                .resets((provider, generation, at) -> { throw new AssertionError("no circuit change expected"); });

        SQSBatchResponse response = new SqsGenerateHandler(Wiring.generate(broken)).handleRequest(batch, FakeContext.withSeconds(45));

        assertEquals(5, response.getBatchItemFailures().size());
        assertEquals(3, h.logs.withMessage("message failed").size());
        assertEquals(0, anthropic.requestCount());
    }

    @Test
    @DisplayName("an empty batch answers with no failures")
    void emptyBatch() {
        SQSEvent empty = new SQSEvent();
        empty.setRecords(List.of());
        assertEquals(List.of(), failedIds(new SqsGenerateHandler(Wiring.generate(h.outside())).handleRequest(empty, FakeContext.withSeconds(45))));
    }
}
