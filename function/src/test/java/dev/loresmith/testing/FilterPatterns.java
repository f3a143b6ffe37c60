package dev.loresmith.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Record;

import java.util.Map;

/**
 * Lambda's event filtering, for the part of its pattern syntax template.yaml uses: a pattern is an object whose
 * fields must all match; a nested object descends into the event; an array lists the values a field may have — exact
 * strings or numbers, or {@code {"anything-but": [...]}} (the field is present with none of those values),
 * {@code {"exists": true|false}} or {@code {"prefix": "..."}}. A field the event lacks matches only
 * {@code {"exists": false}}. Anything else is refused rather than guessed at.
 */
public final class FilterPatterns {

    private FilterPatterns() {
    }

    /** Whether {@code event} passes {@code pattern} (a pattern of an event source mapping's FilterCriteria). */
    public static boolean matches(JsonNode pattern, JsonNode event) {
        for (Map.Entry<String, JsonNode> field : pattern.properties()) {
            JsonNode rule = field.getValue();
            JsonNode value = event == null ? null : event.get(field.getKey());
            if (rule.isObject()) {
                if (value == null || !value.isObject() || !matches(rule, value)) {
                    return false;
                }
            } else if (rule.isArray()) {
                if (!anyOf((ArrayNode) rule, value)) {
                    return false;
                }
            } else {
                throw new UnsupportedOperationException("a pattern's leaves are arrays: " + field.getKey() + " = " + rule);
            }
        }
        return true;
    }

    private static boolean anyOf(ArrayNode rules, JsonNode value) {
        for (JsonNode rule : rules) {
            if (rule.isObject()) {
                if (rule.has("anything-but")) {
                    JsonNode excluded = rule.get("anything-but");
                    boolean listed = false;
                    for (JsonNode e : excluded.isArray() ? excluded : Json.MAPPER.createArrayNode().add(excluded)) {
                        listed |= value != null && value.isValueNode() && e.asText().equals(value.asText());
                    }
                    if (value != null && value.isValueNode() && !listed) {
                        return true;
                    }
                } else if (rule.has("exists")) {
                    if (rule.get("exists").asBoolean() == (value != null)) {
                        return true;
                    }
                } else if (rule.has("prefix")) {
                    if (value != null && value.isTextual() && value.asText().startsWith(rule.get("prefix").asText())) {
                        return true;
                    }
                } else {
                    throw new UnsupportedOperationException("filter rule " + rule);
                }
            } else if (value != null && value.isValueNode() && rule.isValueNode() && rule.asText().equals(value.asText())) {
                return true;
            }
        }
        return false;
    }

    /** A DynamoDB stream record as Lambda hands it to a function (and to its filters): eventName, dynamodb.NewImage/OldImage. */
    public static ObjectNode lambdaRecord(Record record) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("eventID", record.eventID());
        out.put("eventName", record.eventNameAsString());
        out.put("eventSource", "aws:dynamodb");
        ObjectNode dynamodb = out.putObject("dynamodb");
        dynamodb.put("SequenceNumber", record.dynamodb().sequenceNumber());
        if (record.dynamodb().approximateCreationDateTime() != null) {
            dynamodb.put("ApproximateCreationDateTime", record.dynamodb().approximateCreationDateTime().getEpochSecond());
        }
        if (record.dynamodb().hasNewImage()) {
            dynamodb.set("NewImage", image(record.dynamodb().newImage()));
        }
        if (record.dynamodb().hasOldImage()) {
            dynamodb.set("OldImage", image(record.dynamodb().oldImage()));
        }
        return out;
    }

    private static ObjectNode image(Map<String, AttributeValue> attributes) {
        ObjectNode image = Json.MAPPER.createObjectNode();
        attributes.forEach((name, value) -> image.set(name, json(value)));
        return image;
    }

    private static JsonNode json(AttributeValue value) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        switch (value.type()) {
            case S -> node.put("S", value.s());
            case N -> node.put("N", value.n());
            case BOOL -> node.put("BOOL", value.bool());
            case NUL -> node.put("NULL", true);
            case M -> node.set("M", image(value.m()));
            case L -> {
                ArrayNode list = node.putArray("L");
                value.l().forEach(v -> list.add(json(v)));
            }
            case SS -> value.ss().forEach(node.putArray("SS")::add);
            case NS -> value.ns().forEach(node.putArray("NS")::add);
            default -> throw new UnsupportedOperationException("attribute type " + value.type());
        }
        return node;
    }
}
