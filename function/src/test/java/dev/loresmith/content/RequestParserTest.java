package dev.loresmith.content;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.generate.GenerateContent;
import dev.loresmith.llm.PromptSanitizer;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bounds on a request's context, counted as documented: in characters (code points), on what is sent. */
class RequestParserTest {

    final RequestParser parser = new RequestParser(ContentTypes.bundled());

    static String body(String context) {
        return "{\"contentType\":\"quest_description\",\"contentId\":1,\"context\":" + context + "}";
    }

    /** A character outside the basic plane: two UTF-16 units, one character. */
    static final String ASTRAL = new String(Character.toChars(0x1F409)); // 🐉

    @ParameterizedTest(name = "a key of {0} characters outside the basic plane: accepted {1}")
    @CsvSource({"32, true", "33, true", "64, true", "65, false"})
    @DisplayName("a context key's length is counted in characters, not UTF-16 units")
    void keyLengthInCharacters(int characters, boolean accepted) {
        String key = ASTRAL.repeat(characters);
        String body = body("{\"" + key + "\":\"v\"}");
        if (!accepted) {
            InvalidRequest e = assertThrows(InvalidRequest.class, () -> parser.parse(body));
            assertEquals("context", e.field());
            return;
        }
        ContentRequest request = parser.parse(body);
        JsonNode stored = TestJson.parse(GenerateContent.storedContext(request.context()));
        assertEquals(key, stored.fieldNames().next(), "kept whole: it is within the limit");
    }

    @Test
    @DisplayName("numbers in a context are bounded: sixteen 990-digit numbers in a 16 KiB body are refused, naming the context")
    void longNumbersRefused() {
        String context = "{" + IntStream.range(0, 16).mapToObj(i -> "\"n" + i + "\":" + "9".repeat(990)).collect(Collectors.joining(",")) + "}";
        String body = body(context);
        assertTrue(body.getBytes(StandardCharsets.UTF_8).length <= RequestParser.MAX_BODY_BYTES, "within the body limit");

        InvalidRequest e = assertThrows(InvalidRequest.class, () -> parser.parse(body));

        assertEquals("context", e.field());
        assertTrue(e.getMessage().contains(Integer.toString(ContextLimits.MAX_NUMBER_LENGTH)), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "an unsigned 64-bit id|18446744073709551615",
            "a negative fraction|-12.5",
            "an exponent|6.02214076e23",
            "a number of exactly the limit|12345678901234567890123456789012",
            "nested in an array|[1, 2, 3]"})
    @DisplayName("ordinary numbers are accepted")
    void ordinaryNumbers(String what, String value) {
        assertEquals(TestJson.parse(value), parser.parse(body("{\"n\":" + value + "}")).context().path("n"), what);
    }

    @Test
    @DisplayName("the sanitizer bounds numbers on its own (a stored context the parser never saw): an over-long one is dropped")
    void sanitizerBoundsNumbers() {
        JsonNode context = TestJson.parse("{\"big\":" + "7".repeat(990) + ",\"small\":42}");

        JsonNode sanitized = PromptSanitizer.sanitizeContext(context);

        assertTrue(sanitized.path("big").isNull(), sanitized.toString());
        assertEquals(42, sanitized.path("small").asInt());
    }

    @Test
    @DisplayName("the largest context as sent stays within the documented bound (about 8,700 characters)")
    void largestContextBounded() {
        // Every entry at its limits: keys of 64 characters, values of 200 as rendered; or the longest numbers.
        String strings = "{" + IntStream.range(0, ContextLimits.MAX_ENTRIES)
                .mapToObj(i -> "\"" + String.format("%02d", i) + "k".repeat(62) + "\":\"" + "v".repeat(300) + "\"")
                .collect(Collectors.joining(",")) + "}";
        String numbers = "{" + IntStream.range(0, ContextLimits.MAX_ENTRIES)
                .mapToObj(i -> "\"" + String.format("%02d", i) + "k".repeat(62) + "\":" + "9".repeat(ContextLimits.MAX_NUMBER_LENGTH))
                .collect(Collectors.joining(",")) + "}";
        for (String context : new String[] {strings, numbers}) {
            String sent = GenerateContent.storedContext(parser.parse(body(context)).context());
            assertTrue(sent.codePointCount(0, sent.length()) <= 8_700, sent.length() + " characters");
        }
    }
}
