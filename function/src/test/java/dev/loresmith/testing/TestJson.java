package dev.loresmith.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.Json;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

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

    /** The text of {@code field} of each element of the array {@code array}. */
    public static List<String> list(JsonNode array, String field) {
        List<String> values = new ArrayList<>();
        array.forEach(element -> values.add(element.path(field).asText()));
        return values;
    }
}
