package dev.loresmith.content;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The registry of content types, read from one JSON resource. Adding a type is a data change:
 * a new entry in {@code content-types.json}.
 */
public final class ContentTypes {

    public static final String BUNDLED_RESOURCE = "/content-types.json";

    private final Map<String, ContentType> byName;

    private ContentTypes(Map<String, ContentType> byName) {
        this.byName = Collections.unmodifiableMap(byName);
    }

    /** The types shipped in the function's {@code content-types.json}. */
    public static ContentTypes bundled() {
        return fromResource(BUNDLED_RESOURCE);
    }

    public static ContentTypes fromResource(String resource) {
        try (InputStream in = ContentTypes.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("content type resource not found: " + resource);
            }
            return parse(Json.MAPPER.readTree(in), resource);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read content types from " + resource, e);
        }
    }

    /** Validates every entry, so a broken registry fails at start-up rather than at the first request. */
    static ContentTypes parse(JsonNode root, String source) {
        JsonNode types = root.path("contentTypes");
        if (!types.isArray() || types.isEmpty()) {
            throw new IllegalStateException(source + ": 'contentTypes' must be a non-empty array");
        }
        // A shared preamble (house style, world notes) leads every type's prompt: one stable, cacheable prefix.
        String preamble = textLines(root.path("sharedPrompt"));
        Map<String, ContentType> byName = new LinkedHashMap<>();
        for (JsonNode entry : types) {
            String name = entry.path("name").asText("");
            String where = source + ": content type '" + name + "'";
            if (!name.matches("[a-z][a-z0-9_]{0,63}")) {
                throw new IllegalStateException(where + ": name must match [a-z][a-z0-9_]{0,63}");
            }
            String ownPrompt = textLines(entry.path("systemPrompt"));
            if (ownPrompt.isBlank()) {
                throw new IllegalStateException(where + ": systemPrompt is empty");
            }
            String systemPrompt = preamble.isBlank() ? ownPrompt : preamble + "\n\n" + ownPrompt;
            List<String> fields = new ArrayList<>();
            entry.path("requiredFields").forEach(f -> fields.add(f.asText()));
            if (fields.isEmpty()) {
                throw new IllegalStateException(where + ": requiredFields is empty");
            }
            ContentType shapeOnly = new ContentType(name, systemPrompt, fields, List.of("{}"));
            List<String> fallbacks = new ArrayList<>();
            for (JsonNode fallback : entry.path("fallbacks")) {
                fallbacks.add(shapeOnly.conform(fallback).orElseThrow(() ->
                        new IllegalStateException(where + ": fallback " + fallback + " lacks a required field " + fields)));
            }
            if (fallbacks.isEmpty()) {
                throw new IllegalStateException(where + ": needs at least one fallback");
            }
            if (byName.put(name, new ContentType(name, systemPrompt, fields, fallbacks)) != null) {
                throw new IllegalStateException(where + ": defined twice");
            }
        }
        return new ContentTypes(byName);
    }

    /** A prompt may be one string or an array of lines (easier to keep readable in JSON). */
    private static String textLines(JsonNode node) {
        if (node.isArray()) {
            List<String> lines = new ArrayList<>();
            node.forEach(line -> lines.add(line.asText()));
            return String.join("\n", lines);
        }
        return node.asText("");
    }

    public Optional<ContentType> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Set<String> names() {
        return byName.keySet();
    }
}
