package dev.loresmith.generate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.Json;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FlowTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Replies shaped like real Messages API answers, with and without structured outputs. */
class StructuredOutputTest extends FlowTest {

    static final String REJECTS_FIELD = "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
            + "\"message\":\"output_config.format: Extra inputs are not permitted\"}}";

    static String reply(String contentBlocks, String stopReason) {
        return "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\","
                + "\"content\":" + contentBlocks + ",\"stop_reason\":\"" + stopReason + "\",\"stop_sequence\":null,"
                + "\"usage\":{\"input_tokens\":1500,\"output_tokens\":60,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":1400}}";
    }

    @Test
    @DisplayName("a structured-output reply (the JSON as the text block) makes the item ready")
    void structuredReply() {
        anthropic.answersRaw(200, reply("[{\"type\":\"text\",\"text\":" + Json.write(Json.MAPPER.valueToTree(FakeAnthropic.QUEST_JSON)) + "}]", "end_turn"));

        assertInstanceOf(Outcome.Ready.class, h.generate("quest_description", 1));
        assertEquals(FakeAnthropic.QUEST_JSON, h.item("quest_description", 1).text());
    }

    @Test
    @DisplayName("several text blocks are joined; thinking and tool_use blocks are ignored")
    void blocksJoined() {
        String first = "{\\\"title\\\":\\\"The Drowned Bell\\\",";
        String second = "\\\"description\\\":\\\"Dive for the bell.\\\"}";
        anthropic.answersRaw(200, reply("[{\"type\":\"thinking\",\"thinking\":\"planning\",\"signature\":\"x\"},"
                + "{\"type\":\"text\",\"text\":\"" + first + "\"},"
                + "{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"lookup\",\"input\":{}},"
                + "{\"type\":\"text\",\"text\":\"" + second + "\"}]", "end_turn"));

        assertInstanceOf(Outcome.Ready.class, h.generate("quest_description", 1));
        assertEquals(FakeAnthropic.QUEST_JSON, h.item("quest_description", 1).text());
    }

    @Test
    @DisplayName("a model or endpoint that rejects the schema field: prompt-only JSON at once, remembered, logged once, never counted")
    void schemaRejected() {
        anthropic.succeedsWhenBodyContains("\"messages\"", FakeAnthropic.QUEST_JSON, 400);
        anthropic.failsWhenBodyContains("output_config", 400, REJECTS_FIELD);

        Outcome first = h.generate("quest_description", 1);
        Outcome second = h.generate("quest_description", 2);

        assertInstanceOf(Outcome.Ready.class, first, "retried at once without the field");
        assertInstanceOf(Outcome.Ready.class, second);
        List<JsonNode> bodies = anthropic.requestBodies();
        assertEquals(3, bodies.size(), "one rejected call, then prompt-only for this request and every later one");
        assertTrue(bodies.get(0).has("output_config"));
        assertFalse(bodies.get(1).has("output_config"));
        assertFalse(bodies.get(2).has("output_config"));
        assertTrue(bodies.get(1).path("system").get(0).path("text").asText().contains("- title: "), "the prompt still states the shape");
        assertEquals(1, h.logs.withMessage("structured outputs rejected; using prompt-only JSON for this model").size());
        assertEquals(0, h.circuitRecord().failureCount(), "those 400s do not count against the provider");
    }

    @Test
    @DisplayName("an endpoint that answers the same 400 to the prompt-only retry too: api_error_400, not counted")
    void schemaRejectedNoRetry() {
        anthropic.answersRaw(400, REJECTS_FIELD);

        Outcome outcome = h.generate("quest_description", 1);

        assertEquals("api_error_400", ((Outcome.Fallback) outcome).reason().code());
        assertEquals(0, h.circuitRecord().failureCount());
    }

    @Test
    @DisplayName("a reply that breaks a declared constraint is logged with the field and rule, never the text")
    void constraintLogged() {
        anthropic.replies("{\"title\":\"One\",\"description\":\"" + "word ".repeat(120) + "\"}");

        Outcome outcome = h.generate("quest_description", 1);

        assertEquals(FallbackReason.INVALID_JSON_LIMITS, ((Outcome.Fallback) outcome).reason());
        JsonNode logged = h.logs.withMessage("reply rejected").get(0);
        assertEquals("title:too_few_words,description:too_many_words", logged.path("detail").asText());
        assertEquals("quest_description", logged.path("contentType").asText());
        assertFalse(logged.toString().contains("word word"));
    }

    @Test
    @DisplayName("an unknown stop reason is invalid_json, counted, and logged with the stop reason")
    void unknownStopReason() {
        anthropic.replies(FakeAnthropic.QUEST_JSON, "tool_use");

        Outcome outcome = h.generate("quest_description", 1);

        assertEquals(FallbackReason.INVALID_JSON, ((Outcome.Fallback) outcome).reason());
        assertEquals(1, h.circuitRecord().failureCount());
        assertEquals("stop_reason tool_use", h.logs.withMessage("reply rejected").get(0).path("detail").asText());
    }
}
