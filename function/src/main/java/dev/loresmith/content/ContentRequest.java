package dev.loresmith.content;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A validated request for one piece of content. {@code context} is the player-supplied context as
 * received (an object, a string, or JSON null when absent); it is sanitized when the prompt is built.
 */
public record ContentRequest(ContentType type, ContentId id, JsonNode context) {

    public ContentKey key() {
        return new ContentKey(type.name(), id);
    }
}
