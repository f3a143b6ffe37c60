package dev.loresmith.content;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A registered content type: the system prompt that writes it, the string fields its JSON must have
 * (with their constraints), the fallbacks served when generation fails, and whether a fallback may be
 * replaced by generated text later. Loaded from data, never coded per type. The JSON Schema and the
 * prompt's output-format section are derived from the fields once, so they are byte-identical across
 * requests (prompt caching).
 *
 * @param taskPrompt the prompt as written in the registry (shared house guide + the type's task)
 * @param upgrade    whether an item of this type that fell back for a transient reason is regenerated later
 */
public record ContentType(String name, String taskPrompt, List<ContentField> fields, List<String> fallbacks, boolean upgrade) {

    public ContentType {
        fields = List.copyOf(fields);
        fallbacks = List.copyOf(fallbacks);
        if (fields.isEmpty()) {
            throw new IllegalArgumentException("a content type needs at least one field");
        }
    }

    /** The fallback for an id: {@code id mod n}, unsigned, so the same id always gets the same text. */
    public String fallbackFor(ContentId id) {
        return fallbacks.get(id.mod(fallbacks.size()));
    }

    /** The names of the fields, in declared order. */
    public List<String> fieldNames() {
        return fields.stream().map(ContentField::name).toList();
    }

    /**
     * The JSON Schema of the type, in the subset Anthropic's structured outputs accept: string properties,
     * all required, {@code additionalProperties: false}. Length and word limits are not accepted there, so
     * they are stated in each description and enforced by {@link #check}.
     */
    public ObjectNode jsonSchema() {
        ObjectNode schema = Json.MAPPER.createObjectNode();
        schema.put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        for (ContentField field : fields) {
            properties.putObject(field.name())
                    .put("type", "string")
                    .put("description", field.description() + " (" + field.limits() + ")");
        }
        fields.forEach(f -> schema.withArray("required").add(f.name()));
        schema.put("additionalProperties", false);
        return schema;
    }

    /** The system prompt's output contract, derived from the fields. */
    public String outputFormat() {
        StringBuilder text = new StringBuilder("Output format: reply with one JSON object and nothing else, with exactly these string fields, all required:");
        for (ContentField field : fields) {
            text.append("\n- ").append(field.name()).append(": ").append(field.description()).append(" (").append(field.limits()).append(")");
        }
        return text.toString();
    }

    /**
     * Whether {@code candidate} is a document of this type: a JSON object with exactly the declared fields,
     * each a string within its limits. A conforming document is returned compact, fields in declared order.
     */
    public ShapeCheck check(JsonNode candidate) {
        if (candidate == null || !candidate.isObject()) {
            return new ShapeCheck.Violates(List.of(new ShapeCheck.Violation("(document)", "not_an_object")));
        }
        List<ShapeCheck.Violation> violations = new ArrayList<>();
        ObjectNode shaped = Json.MAPPER.createObjectNode();
        for (ContentField field : fields) {
            JsonNode value = candidate.get(field.name());
            String text = value == null || !value.isTextual() ? null : wellFormed(value.asText());
            String rule = value == null ? "missing" : text == null ? "not_a_string" : field.violation(text);
            if (rule != null) {
                violations.add(new ShapeCheck.Violation(field.name(), rule));
            } else {
                shaped.put(field.name(), text.strip());
            }
        }
        for (Iterator<String> names = candidate.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (fields.stream().noneMatch(f -> f.name().equals(name))) {
                violations.add(new ShapeCheck.Violation("(extra)", "extra_field"));
                break;
            }
        }
        return violations.isEmpty() ? new ShapeCheck.Conforms(Json.write(shaped)) : new ShapeCheck.Violates(violations);
    }

    /**
     * Whether {@code text} (an item's) is a document of this type's shape: a JSON object with exactly its fields, each a
     * string — within their limits or not (limits may have changed since it was written; a player may have read it).
     * Not so for the {@code {}} a pending item was closed with while its type was removed, nor for a hand edit.
     */
    public boolean shapes(String text) {
        if (text == null) {
            return false;
        }
        try {
            ShapeCheck check = check(Json.read(text));
            return check instanceof ShapeCheck.Conforms || ((ShapeCheck.Violates) check).limitsOnly();
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    /**
     * {@code text} without lone surrogates — half a UTF-16 pair, which a reply can carry as a JSON escape (of
     * U+D800, say) but no UTF-8 can encode: DynamoDB and EventBridge refuse such a string, so the write after the
     * call would fail on every attempt. Dropped, not replaced: the limits are then judged on what is left.
     */
    static String wellFormed(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
            if (paired) {
                if (out != null) {
                    out.append(c).append(text.charAt(i + 1));
                }
                i++;
            } else if (Character.isSurrogate(c)) {
                if (out == null) {
                    out = new StringBuilder(text.length()).append(text, 0, i);
                }
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }
}
