package dev.loresmith.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.loresmith.content.ContextLimits;

import java.util.Iterator;
import java.util.Map;

/**
 * Makes player-supplied context safe to place in a prompt: removes control and invisible formatting
 * characters (including bidi overrides and zero-width characters), folds whitespace, and bounds every
 * string and number. Structure bounds (depth, entry count, size) are enforced earlier by the request parser;
 * this class bounds them again so it is safe on its own.
 */
public final class PromptSanitizer {

    static final int MAX_VALUE_LENGTH = ContextLimits.MAX_VALUE_LENGTH;
    static final int MAX_STRING_CONTEXT_LENGTH = ContextLimits.MAX_STRING_CONTEXT_LENGTH;
    static final int MAX_KEY_LENGTH = ContextLimits.MAX_KEY_LENGTH;
    private static final int MAX_DEPTH = ContextLimits.MAX_DEPTH;
    private static final int MAX_ENTRIES = ContextLimits.MAX_ENTRIES;

    private PromptSanitizer() {
    }

    /** Sanitizes context given as an object (each string ≤ 200) or a string (≤ 500); anything else becomes null. */
    public static JsonNode sanitizeContext(JsonNode context) {
        if (context == null || context.isNull() || context.isMissingNode()) {
            return JsonNodeFactory.instance.nullNode();
        }
        if (context.isTextual()) {
            return TextNode.valueOf(sanitize(context.asText(), MAX_STRING_CONTEXT_LENGTH));
        }
        if (context.isObject()) {
            return sanitizeTree(context, 1, new int[] {0});
        }
        return JsonNodeFactory.instance.nullNode();
    }

    /**
     * How many characters a code point takes in the prompt: {@code <}, {@code >} and {@code &} are written as
     * six-character JSON escapes, so that a string full of them cannot multiply the prompt's size.
     */
    static int renderedLength(int cp) {
        return cp == '<' || cp == '>' || cp == '&' ? 6 : 1;
    }

    /**
     * Strips control/format characters, folds runs of whitespace to one space, trims, and keeps at most
     * {@code maxCodePoints} as rendered in the prompt ({@link #renderedLength}).
     */
    public static String sanitize(String raw, int maxCodePoints) {
        StringBuilder out = new StringBuilder(Math.min(raw.length(), maxCodePoints * 2));
        int kept = 0;
        boolean pendingSpace = false;
        for (int i = 0; i < raw.length() && kept < maxCodePoints; ) {
            int cp = raw.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == '\u0085') {
                pendingSpace = out.length() > 0;
                continue;
            }
            if (!isAllowed(cp)) {
                continue;
            }
            int length = renderedLength(cp);
            if (pendingSpace) {
                if (kept + 1 + length > maxCodePoints) {
                    break;
                }
                out.append(' ');
                kept++;
                pendingSpace = false;
            }
            if (kept + length > maxCodePoints) {
                break;
            }
            out.appendCodePoint(cp);
            kept += length;
        }
        return out.toString();
    }

    private static boolean isAllowed(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED -> false;
            default -> cp != '\uFFFD';
        };
    }

    private static JsonNode sanitizeTree(JsonNode node, int depth, int[] entries) {
        if (node.isTextual()) {
            return TextNode.valueOf(sanitize(node.asText(), MAX_VALUE_LENGTH));
        }
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            if (depth > MAX_DEPTH) {
                return out;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext() && entries[0] < MAX_ENTRIES; ) {
                Map.Entry<String, JsonNode> field = it.next();
                entries[0]++;
                String key = sanitize(field.getKey(), MAX_KEY_LENGTH);
                if (!key.isEmpty()) {
                    out.set(key, sanitizeTree(field.getValue(), depth + 1, entries));
                }
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            if (depth > MAX_DEPTH) {
                return out;
            }
            for (Iterator<JsonNode> it = node.elements(); it.hasNext() && entries[0] < MAX_ENTRIES; ) {
                entries[0]++;
                out.add(sanitizeTree(it.next(), depth + 1, entries));
            }
            return out;
        }
        if (node.isNumber() && node.asText().length() > ContextLimits.MAX_NUMBER_LENGTH) {
            return JsonNodeFactory.instance.nullNode(); // no request carries one (the parser refuses it): a hand-edited context
        }
        return node; // numbers within their bound, booleans, null
    }
}
