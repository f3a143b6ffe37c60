package dev.loresmith.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.Json;

import java.io.UncheckedIOException;

/** JSON parsing for assertions, where a parse failure is simply a test failure. */
public final class TestJson {

    private TestJson() {
    }

    public static JsonNode parse(String text) {
        try {
            return Json.read(text);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
        }
    }
}
