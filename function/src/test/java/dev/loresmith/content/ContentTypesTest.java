package dev.loresmith.content;

import dev.loresmith.generate.Outcome;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FakeAws;
import dev.loresmith.testing.FlowHarness;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.math.BigInteger;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContentTypesTest {

    final ContentTypes bundled = ContentTypes.bundled();

    @Test
    @DisplayName("ships quest_description and event_consequence, each with at least 5 fallbacks of its own shape")
    void bundledTypes() {
        assertEquals(Set.of("quest_description", "event_consequence"), bundled.names());
        for (String name : bundled.names()) {
            ContentType type = bundled.find(name).orElseThrow();
            assertTrue(type.fallbacks().size() >= 5, name);
            for (String fallback : type.fallbacks()) {
                assertEquals(new ShapeCheck.Conforms(fallback), type.check(TestJson.parse(fallback)), "every fallback meets its type's schema");
            }
        }
    }

    @ParameterizedTest(name = "id {0} → fallback #{1}")
    @CsvSource({
            "0, 0",
            "1, 1",
            "4, 4",
            "5, 0",
            "9223372036854775807, 2",   // 2^63 − 1
            "9223372036854775808, 3",   // 2^63: negative as a signed long
            "18446744073709551615, 0"}) // 2^64 − 1
    @DisplayName("the fallback is contentId mod n, unsigned (n = 5)")
    void fallbackIsUnsignedMod(String id, int index) {
        ContentType quest = bundled.find("quest_description").orElseThrow();
        assertEquals(5, quest.fallbacks().size());
        assertEquals(quest.fallbacks().get(index), quest.fallbackFor(ContentId.parse(id)));
        assertEquals(new BigInteger(id).mod(BigInteger.valueOf(5)).intValue(), index);
    }

    @Test
    @DisplayName("a type added in data alone generates and falls back through the same flow, with no code change")
    void testOnlyType() {
        ContentTypes withRumor = ContentTypes.fromResource("/content-types-test-only.json");
        try (FakeAnthropic anthropic = new FakeAnthropic(); FakeAws aws = new FakeAws()) {
            FlowHarness h = new FlowHarness(anthropic, aws, withRumor);
            anthropic.replies("{\"speaker\":\"A fisher\",\"rumor\":\"The bell rang again last night.\"}");

            Outcome ready = h.generate("npc_rumor", 1);
            assertInstanceOf(Outcome.Ready.class, ready);
            assertEquals("{\"speaker\":\"A fisher\",\"rumor\":\"The bell rang again last night.\"}", h.item("npc_rumor", 1).text());
            assertTrue(anthropic.requestBodies().get(0).path("system").get(0).path("text").asText().contains("rumour"));

            anthropic.failsWith(500);
            h.generate("npc_rumor", 2);
            ContentType rumor = withRumor.find("npc_rumor").orElseThrow();
            assertEquals(rumor.fallbacks().get(2), h.item("npc_rumor", 2).text());
            assertEquals("npc_rumor", h.rawContentItem("npc_rumor", 2).get("contentType").s());
        }
    }

    @Test
    @DisplayName("a registry with a fallback of the wrong shape is rejected at load, naming the type")
    void badRegistry() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ContentTypes.parse(TestJson.parse(
                "{\"contentTypes\":[{\"name\":\"x\",\"systemPrompt\":\"p\",\"fields\":{\"a\":{\"description\":\"d\"}},\"fallbacks\":[{\"b\":\"c\"}]}]}"), "test"));
        assertTrue(e.getMessage().contains("'x'"), e.getMessage());
    }

    @Test
    @DisplayName("the full unsigned 64-bit id is stored as a DynamoDB number")
    void largestIdStored() {
        try (FakeAnthropic anthropic = new FakeAnthropic(); FakeAws aws = new FakeAws()) {
            FlowHarness h = new FlowHarness(anthropic, aws).withApiKey(null);
            h.generate("quest_description", "18446744073709551615", null);
            Map<String, AttributeValue> raw =
                    h.rawContentItem("quest_description", -1L);
            assertEquals("18446744073709551615", raw.get("contentId").n());
            assertEquals(bundled.find("quest_description").orElseThrow().fallbacks().get(0), raw.get("text").s());
        }
    }
}
