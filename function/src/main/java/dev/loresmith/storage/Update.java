package dev.loresmith.storage;

import software.amazon.awssdk.enhanced.dynamodb.Expression;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One UpdateItem's SET and REMOVE clauses, built attribute by attribute: every name through {@code #<name>}, every
 * value through {@code :<name>} (never {@code :g_...}, which conditions use). {@link #request} joins it with its
 * condition — both self-contained, so nothing depends on a placeholder registered elsewhere.
 */
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

    /** Adds one to a counter, starting it at 1 if absent: one atomic update, never a put that could reset it. */
    Update increment(String attribute) {
        String name = name(attribute);
        String one = value(attribute + "_one", AttributeValue.fromN("1"));
        String zero = value(attribute + "_zero", AttributeValue.fromN("0"));
        sets.add(name + " = if_not_exists(" + name + ", " + zero + ") + " + one);
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

    private String name(String attribute) {
        String placeholder = "#" + attribute.replaceAll("[^A-Za-z0-9_]", "_");
        names.put(placeholder, attribute);
        return placeholder;
    }

    private String value(String attribute, AttributeValue value) {
        String placeholder = ":" + attribute.replaceAll("[^A-Za-z0-9_]", "_");
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

    /** This update on {@code key} of {@code table}, conditioned on {@code condition} (null: unconditional). */
    UpdateItemRequest.Builder request(String table, Map<String, AttributeValue> key, Expression condition) {
        Map<String, String> allNames = condition == null ? names : Expression.joinNames(names, condition.expressionNames());
        Map<String, AttributeValue> allValues = condition == null ? values : Expression.joinValues(values, condition.expressionValues());
        return UpdateItemRequest.builder()
                .tableName(table)
                .key(key)
                .updateExpression(expression())
                .conditionExpression(condition == null ? null : condition.expression())
                .expressionAttributeNames(allNames == null || allNames.isEmpty() ? null : allNames)
                .expressionAttributeValues(allValues == null || allValues.isEmpty() ? null : allValues);
    }
}
