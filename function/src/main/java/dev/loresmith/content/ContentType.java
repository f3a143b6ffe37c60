package dev.loresmith.content;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;

import java.util.List;
import java.util.Optional;

/**
 * A registered content type: the system prompt that writes it, the string fields its JSON must
 * have, and the fallbacks served when generation fails. Loaded from data, never coded per type.
 */
public record ContentType(String name, String systemPrompt, List<String> requiredFields, List<String> fallbacks) {

    public ContentType {
        requiredFields = List.copyOf(requiredFields);
        fallbacks = List.copyOf(fallbacks);
    }

    /** The fallback for an id: {@code id mod n}, unsigned, so the same id always gets the same text. */
    public String fallbackFor(ContentId id) {
        return fallbacks.get(id.mod(fallbacks.size()));
    }

    /**
     * The candidate reduced to this type's shape: a JSON object holding each required field as
     * non-blank text (other fields dropped), serialized compactly; empty if it does not conform.
     */
    public Optional<String> conform(JsonNode candidate) {
        if (candidate == null || !candidate.isObject()) {
            return Optional.empty();
        }
        ObjectNode shaped = Json.MAPPER.createObjectNode();
        for (String field : requiredFields) {
            JsonNode value = candidate.get(field);
            if (value == null || !value.isTextual() || value.asText().isBlank()) {
                return Optional.empty();
            }
            shaped.set(field, value);
        }
        return Optional.of(Json.write(shaped));
    }
}
