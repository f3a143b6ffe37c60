package dev.loresmith.storage;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One UpdateItem's expression, built attribute by attribute; every name goes through a placeholder. */
final class Update {

    private final List<String> sets = new ArrayList<>();
    private final List<String> removes = new ArrayList<>();
    private final Map<String, String> names = new HashMap<>();
    private final Map<String, AttributeValue> values = new HashMap<>();

    Update set(String attribute, AttributeValue value) {
        sets.add(name(attribute) + " = " + value(attribute, value));
        return this;
    }

    Update setIfNotExists(String attribute, AttributeValue value) {
        sets.add(name(attribute) + " = if_not_exists(" + name(attribute) + ", " + value(attribute, value) + ")");
        return this;
    }

    /** SET when {@code value} is given, REMOVE when it is null. */
    Update setOrRemove(String attribute, AttributeValue value) {
        return value == null ? remove(attribute) : set(attribute, value);
    }

    Update remove(String attribute) {
        removes.add(name(attribute));
        return this;
    }

    /** A placeholder for an attribute name, for use in the condition too. */
    String name(String attribute) {
        String placeholder = "#" + attribute.replaceAll("[^A-Za-z0-9_]", "_");
        names.put(placeholder, attribute);
        return placeholder;
    }

    /** A placeholder for a value, for use in the condition too. */
    String value(String key, AttributeValue value) {
        String placeholder = ":" + key.replaceAll("[^A-Za-z0-9_]", "_");
        values.put(placeholder, value);
        return placeholder;
    }

    String expression() {
        StringBuilder expression = new StringBuilder();
        if (!sets.isEmpty()) {
            expression.append("SET ").append(String.join(", ", sets));
        }
        if (!removes.isEmpty()) {
            expression.append(expression.length() == 0 ? "" : " ").append("REMOVE ").append(String.join(", ", removes));
        }
        return expression.toString();
    }

    Map<String, String> names() {
        return names;
    }

    Map<String, AttributeValue> values() {
        return values.isEmpty() ? null : values;
    }
}
