package dev.loresmith.content;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;

/** The queue message for a request, in its canonical form: the public request body (README, "Requests"). */
public final class RequestMessages {

    private RequestMessages() {
    }

    public static String of(ContentKey key, JsonNode context) {
        ObjectNode message = Json.MAPPER.createObjectNode();
        message.put("contentType", key.contentType());
        message.put("contentId", key.contentId().toBigInteger());
        if (context != null && !context.isNull() && !context.isMissingNode()) {
            message.set("context", context);
        }
        return Json.write(message);
    }
}
