package dev.loresmith.llm;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.loresmith.content.ContentType;
import dev.loresmith.content.ContentTypes;
import dev.loresmith.generate.GenerateSettings;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The API caches a prompt prefix only above a model-dependent minimum: 1024 tokens for Claude Sonnet 4.5
 * (the default model), 4096 for Haiku 4.5 and Opus 4.5. English prose runs at about 4 characters per
 * token in Claude's tokenizer; 4.5 characters per token is the conservative bound used here.
 */
class PromptCachingTest {

    static final int SONNET_MIN_CACHEABLE_TOKENS = 1024;
    static final double CHARS_PER_TOKEN_UPPER_BOUND = 4.5;

    @Test
    @DisplayName("every shipped type's system prompt is long enough to be cached by the default model")
    void longEnoughToCache() {
        assertEquals("claude-sonnet-4-5", GenerateSettings.DEFAULT_MODEL, "update the minimum if the default model changes");
        for (String name : ContentTypes.bundled().names()) {
            ContentType type = ContentTypes.bundled().find(name).orElseThrow();
            int chars = MessagesPrompt.systemPrompt(type).length();
            assertTrue(chars >= SONNET_MIN_CACHEABLE_TOKENS * CHARS_PER_TOKEN_UPPER_BOUND,
                    name + ": " + chars + " characters, about " + chars / 4 + " tokens");
        }
    }

    @Test
    @DisplayName("the request prefix (model, max_tokens, system block) and the schema are byte-identical whatever the context")
    void identicalPrefix() {
        ContentType quest = ContentTypes.bundled().find("quest_description").orElseThrow();
        String a = MessagesPrompt.of(quest, TextNode.valueOf("a bell"), "claude-sonnet-4-5", 1024, true).body();
        String b = MessagesPrompt.of(quest, null, "claude-sonnet-4-5", 1024, true).body();

        String prefixA = a.substring(0, a.indexOf("\"messages\""));
        assertEquals(prefixA, b.substring(0, b.indexOf("\"messages\"")));
        assertTrue(prefixA.contains("\"cache_control\":{\"type\":\"ephemeral\"}"));
        assertEquals(a.substring(a.indexOf("\"output_config\"")), b.substring(b.indexOf("\"output_config\"")));
    }
}
