package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.loresmith.content.ContentStatus;
import dev.loresmith.testing.FakeContext;
import dev.loresmith.testing.FlowTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dead-letter handler on events/dead-letter.json: quest_description 4242, and a message naming an unknown type. */
class DeadLetterHandlerTest extends FlowTest {

    SQSEvent dead = SampleEvents.sqs("dead-letter.json");

    SQSBatchResponse invoke() {
        return new DeadLetterHandler(h.services()).handleRequest(dead, FakeContext.withSeconds(30));
    }

    @Test
    @DisplayName("an item left pending by a dead worker gets the dead_letter fallback; the unreadable message is logged and dropped")
    void pendingItem() {
        h.tables.claim(h.request("quest_description", "4242", null).key(), "dead-worker", h.now(), h.now().plusSeconds(120));

        SQSBatchResponse response = invoke();

        assertTrue(response.getBatchItemFailures().isEmpty());
        assertEquals(ContentStatus.FAILED, h.item("quest_description", 4242).status());
        assertEquals("fallback:dead_letter", h.item("quest_description", 4242).model());
        assertEquals(h.types.find("quest_description").orElseThrow().fallbacks().get(2), h.item("quest_description", 4242).text());
        assertEquals(1, h.logs.withMessage("dead message unreadable; dropped").size());
        assertEquals("contentType", h.logs.withMessage("dead message unreadable; dropped").get(0).path("field").asText());
    }

    @Test
    @DisplayName("an item that never got written is created with the dead_letter fallback")
    void missingItem() {
        invoke();

        assertEquals("fallback:dead_letter", h.item("quest_description", 4242).model());
    }

    @Test
    @DisplayName("an item that is already ready keeps its generated text")
    void readyItem() {
        anthropic.replies(SqsGenerateHandlerTest.ANY_TYPE_JSON);
        h.generate("quest_description", 4242);
        String text = h.item("quest_description", 4242).text();

        invoke();

        assertEquals(ContentStatus.READY, h.item("quest_description", 4242).status());
        assertEquals(text, h.item("quest_description", 4242).text());
    }
}
