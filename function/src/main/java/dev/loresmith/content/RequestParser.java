package dev.loresmith.content;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Turns a request body ({@code {"contentType": ..., "contentId": ..., "context": ...}}) into a
 * {@link ContentRequest}, or throws {@link InvalidRequest} naming the field at fault. Used by every
 * trigger, so the SQS and HTTP paths accept exactly the same requests.
 */
public final class RequestParser {

    /** Larger bodies are rejected before parsing. SQS allows 256 KiB; nothing legitimate needs more than this. */
    public static final int MAX_BODY_BYTES = 16 * 1024;
    static final int MAX_CONTEXT_DEPTH = ContextLimits.MAX_DEPTH;
    static final int MAX_CONTEXT_ENTRIES = ContextLimits.MAX_ENTRIES;
    static final int MAX_CONTEXT_KEY_LENGTH = ContextLimits.MAX_KEY_LENGTH;

    private static final List<String> FIELDS = List.of("contentType", "contentId", "context");

    private final ContentTypes types;

    public RequestParser(ContentTypes types) {
        this.types = types;
    }

    public ContentRequest parse(String body) {
        return parse(parseObject(body));
    }

    /** Parses the body into a JSON object, enforcing size and syntax; callers may strip their own fields first. */
    public static ObjectNode parseObject(String body) {
        if (body == null || body.isBlank()) {
            throw new InvalidRequest("body", "request body is empty; expected a JSON object");
        }
        if (body.getBytes(StandardCharsets.UTF_8).length > MAX_BODY_BYTES) {
            throw new InvalidRequest("body", "request body exceeds " + MAX_BODY_BYTES + " bytes");
        }
        JsonNode root;
        try {
            root = Json.read(body);
        } catch (JsonProcessingException e) {
            // Jackson's own message quotes the offending token — a player's text: say only where it is.
            throw new InvalidRequest("body", "request body is not valid JSON" + where(e));
        }
        if (root == null || !root.isObject()) {
            throw new InvalidRequest("body", "request body must be a JSON object");
        }
        return (ObjectNode) root;
    }

    public ContentRequest parse(ObjectNode body) {
        return parse(body, List.of());
    }

    /**
     * {@link #parse(ObjectNode)} for a caller that has already taken its own fields out of {@code body}
     * ({@code ownFields}, e.g. the HTTP API's {@code wait}): an unknown field's error names them among the expected.
     */
    public ContentRequest parse(ObjectNode body, List<String> ownFields) {
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                // A field name is the caller's text: echoed only when it is a plain identifier.
                String shown = name.matches("[A-Za-z0-9_]{1,64}") ? name : "(unprintable field name)";
                List<String> expected = new ArrayList<>(FIELDS);
                expected.addAll(ownFields);
                throw new InvalidRequest(shown, "unknown field '" + shown + "'; expected " + String.join(", ", expected));
            }
        }
        ContentType type = contentType(body.get("contentType"));
        ContentId id = contentId(body.get("contentId"));
        JsonNode context = body.get("context");
        if (context == null || context.isNull()) {
            context = NullNode.getInstance();
        } else if (context.isObject()) {
            checkContext(context, 1, new int[] {0});
        } else if (!context.isTextual()) {
            throw new InvalidRequest("context", "context must be an object or a string");
        }
        return new ContentRequest(type, id, context);
    }

    private static String where(JsonProcessingException e) {
        JsonLocation location = e.getLocation();
        if (e instanceof StreamConstraintsException) {
            return ": nested too deeply";
        }
        return location == null || location.getLineNr() < 1 ? ""
                : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private ContentType contentType(JsonNode node) {
        if (node == null || node.isNull()) {
            throw new InvalidRequest("contentType", "contentType is required");
        }
        if (!node.isTextual()) {
            throw new InvalidRequest("contentType", "contentType must be a string");
        }
        return types.find(node.asText()).orElseThrow(() -> new InvalidRequest("contentType",
                "unknown contentType; registered types are " + types.names()));
    }

    private static ContentId contentId(JsonNode node) {
        if (node == null || node.isNull()) {
            throw new InvalidRequest("contentId", "contentId is required");
        }
        try {
            if (node.isIntegralNumber()) {
                return ContentId.of(node.bigIntegerValue());
            }
            if (node.isTextual()) {
                return ContentId.parse(node.asText());
            }
        } catch (IllegalArgumentException e) {
            throw new InvalidRequest("contentId", "contentId " + e.getMessage());
        }
        throw new InvalidRequest("contentId", "contentId must be an integer (JSON number or decimal string) from 0 to 18446744073709551615");
    }

    private static void checkContext(JsonNode node, int depth, int[] entries) {
        if (depth > MAX_CONTEXT_DEPTH) {
            throw new InvalidRequest("context", "context is nested deeper than " + MAX_CONTEXT_DEPTH + " levels");
        }
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                String key = field.getKey();
                if (key.codePointCount(0, key.length()) > MAX_CONTEXT_KEY_LENGTH) {
                    throw new InvalidRequest("context", "context key longer than " + MAX_CONTEXT_KEY_LENGTH + " characters");
                }
                count(entries);
                checkContext(field.getValue(), depth + 1, entries);
            }
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                count(entries);
                checkContext(element, depth + 1, entries);
            }
        } else if (node.isNumber() && node.asText().length() > ContextLimits.MAX_NUMBER_LENGTH) {
            throw new InvalidRequest("context", "context holds a number longer than " + ContextLimits.MAX_NUMBER_LENGTH + " characters");
        }
    }

    private static void count(int[] entries) {
        if (++entries[0] > MAX_CONTEXT_ENTRIES) {
            throw new InvalidRequest("context", "context has more than " + MAX_CONTEXT_ENTRIES + " keys and elements");
        }
    }
}
