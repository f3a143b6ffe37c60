package dev.loresmith.handler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;
import dev.loresmith.content.ContentType;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.ContentStatus;

/**
 * The API's JSON view of a content item: the public attributes, never lease internals or the stored
 * context. {@code content} is {@code text} parsed — the document itself, so clients need not parse a string
 * again; {@code text} stays, as it is the stored attribute.
 */
final class ContentView {

    private ContentView() {
    }

    /**
     * The view of {@code item}, an item of {@code type}. Its {@code text} is always of the type's shape: a failed item
     * whose stored text is not (the {@code {}} of a pending item closed while its type was removed, the type since
     * registered again) is shown with the type's fallback, as a fallback the flow wrote would be.
     */
    static ObjectNode of(ContentItem item, ContentType type) {
        if (item.status() != ContentStatus.FAILED || type.shapes(item.text())) {
            return of(item);
        }
        return of(item.finished(ContentStatus.FAILED, type.fallbackFor(item.key().contentId()), item.model(), item.generatedAt()));
    }

    private static ObjectNode of(ContentItem item) {
        ObjectNode view = Json.MAPPER.createObjectNode();
        view.put("contentType", item.key().contentType());
        view.put("contentId", item.key().contentId().toBigInteger());
        view.put("status", item.status().wireName());
        view.set("content", content(item.text()));
        view.put("text", item.text());
        view.put("model", item.model());
        view.put("requestedAt", item.requestedAt().toString());
        view.put("generatedAt", item.generatedAt() == null ? null : item.generatedAt().toString());
        if (item.upgradedFrom() != null) {
            view.put("upgradedFrom", item.upgradedFrom());
        }
        if (item.provider() != null) {
            view.put("provider", item.provider());
        }
        if (!item.providerReasons().isEmpty()) {
            ObjectNode reasons = view.putObject("providerReasons");
            item.providerReasons().forEach(reasons::put);
        }
        return view;
    }

    static String path(ContentItem item) {
        return "/content/" + item.key().contentType() + "/" + item.key().contentId();
    }

    private static JsonNode content(String text) {
        if (text == null) {
            return Json.MAPPER.nullNode();
        }
        try {
            return Json.read(text);
        } catch (JsonProcessingException e) {
            return Json.MAPPER.nullNode(); // only a hand-edited item holds text that is not JSON
        }
    }
}
