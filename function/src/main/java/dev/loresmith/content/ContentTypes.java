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
            String prompt = preamble.isBlank() ? ownPrompt : preamble + "\n\n" + ownPrompt;
            JsonNode upgrade = entry.path("upgrade");
            if (!upgrade.isMissingNode() && !upgrade.isBoolean()) {
                throw new IllegalStateException(where + ": upgrade must be true or false");
            }
            ContentType shapeOnly;
            try {
                shapeOnly = new ContentType(name, prompt, fields(entry.path("fields")), List.of("{}"), upgrade.asBoolean(true));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(where + ": " + e.getMessage());
            }
            List<String> fallbacks = new ArrayList<>();
            int index = 0;
            for (JsonNode fallback : entry.path("fallbacks")) {
                ShapeCheck check = shapeOnly.check(fallback);
                if (check instanceof ShapeCheck.Violates v) {
                    throw new IllegalStateException(where + ": fallback #" + index + " breaks the type's schema: " + v.summary());
                }
                fallbacks.add(((ShapeCheck.Conforms) check).json());
                index++;
            }
            if (fallbacks.isEmpty()) {
                throw new IllegalStateException(where + ": needs at least one fallback");
            }
            if (byName.put(name, new ContentType(name, prompt, shapeOnly.fields(), fallbacks, shapeOnly.upgrade())) != null) {
                throw new IllegalStateException(where + ": defined twice");
            }
        }
        return new ContentTypes(byName);
    }

    /** {@code "fields": {"title": {"description": ..., "maxLength": 60, "maxWords": 6}, ...}}: every field a required string. */
    private static List<ContentField> fields(JsonNode node) {
        if (!node.isObject() || node.isEmpty()) {
            throw new IllegalArgumentException("fields must be a non-empty object of field name to constraints");
        }
        List<ContentField> fields = new ArrayList<>();
        node.properties().forEach(e -> {
            JsonNode spec = e.getValue();
            if (!spec.path("type").asText("string").equals("string")) {
                throw new IllegalArgumentException("field '" + e.getKey() + "': only string fields are supported");
            }
            fields.add(new ContentField(e.getKey(), spec.path("description").asText(""),
                    spec.path("minLength").asInt(1), spec.path("maxLength").asInt(1000),
                    spec.path("minWords").asInt(0), spec.path("maxWords").asInt(0)));
        });
        return fields;
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
