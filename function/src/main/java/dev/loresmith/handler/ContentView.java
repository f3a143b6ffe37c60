package dev.loresmith.handler;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;
import dev.loresmith.content.ContentItem;

/** The API's JSON view of a content item: the public attributes, never lease internals. */
final class ContentView {

    private ContentView() {
    }

    static ObjectNode of(ContentItem item) {
        ObjectNode view = Json.MAPPER.createObjectNode();
        view.put("contentType", item.key().contentType());
        view.put("contentId", item.key().contentId().toBigInteger());
        view.put("status", item.status().wireName());
        view.put("text", item.text());
        view.put("model", item.model());
        view.put("requestedAt", item.requestedAt().toString());
        view.put("generatedAt", item.generatedAt() == null ? null : item.generatedAt().toString());
        return view;
    }

    static String path(ContentItem item) {
        return "/content/" + item.key().contentType() + "/" + item.key().contentId();
    }
}
