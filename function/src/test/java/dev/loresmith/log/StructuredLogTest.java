package dev.loresmith.log;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One JSON object per line, with each field's own JSON type. */
class StructuredLogTest {

    @Test
    @DisplayName("whole numbers stay whole and exact (never 62.0, never rounded past 2^53); fractions, booleans and text keep their types")
    void fieldTypes() {
        List<String> lines = new ArrayList<>();
        StructuredLog log = new StructuredLog(lines::add, Clock.fixed(Instant.parse("2026-11-25T10:00:00Z"), ZoneOffset.UTC));

        log.info("m", "latencyMs", 62L, "count", 3, "version", 9_007_199_254_740_993L, "ratio", 0.25, "ok", true, "who", "x", "none", null);

        assertEquals(1, lines.size());
        String line = lines.get(0);
        assertTrue(line.contains("\"latencyMs\":62,"), line);
        assertTrue(line.contains("\"version\":9007199254740993"), line);
        JsonNode parsed = TestJson.parse(line);
        assertTrue(parsed.path("count").isIntegralNumber());
        assertEquals(0.25, parsed.path("ratio").asDouble());
        assertTrue(parsed.path("ok").isBoolean());
        assertEquals("x", parsed.path("who").asText());
        assertTrue(parsed.path("none").isMissingNode());
        assertEquals("INFO", parsed.path("level").asText());
    }

    @Test
    @DisplayName("a map is an object of text values, in its order; an empty map is left out like null")
    void maps() {
        List<String> lines = new ArrayList<>();
        StructuredLog log = new StructuredLog(lines::add, Clock.fixed(Instant.parse("2026-11-25T10:00:00Z"), ZoneOffset.UTC));

        Map<String, String> reasons = new LinkedHashMap<>();
        reasons.put("bedrock", "circuit_open");
        reasons.put("anthropic", "api_error_503");
        log.info("m", "providerReasons", reasons, "none", Map.of());

        JsonNode parsed = TestJson.parse(lines.get(0));
        assertEquals("{\"bedrock\":\"circuit_open\",\"anthropic\":\"api_error_503\"}", parsed.path("providerReasons").toString());
        assertTrue(parsed.path("none").isMissingNode());
    }
}
