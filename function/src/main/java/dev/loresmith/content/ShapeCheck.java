package dev.loresmith.content;

import java.util.List;

/** Whether a JSON value is a document of a content type's shape. */
public sealed interface ShapeCheck {

    /** It is: {@code json} is the document, compact, fields in declared order. */
    record Conforms(String json) implements ShapeCheck {
    }

    /** It is not, for these reasons (never the value itself: it may echo a player's context). */
    record Violates(List<Violation> violations) implements ShapeCheck {
        public Violates {
            violations = List.copyOf(violations);
        }

        /** The violations as {@code field:rule,...}, for logs. */
        public String summary() {
            return String.join(",", violations.stream().map(v -> v.field() + ":" + v.rule()).toList());
        }
    }

    /**
     * @param field a declared field's name; {@code (document)} for the whole, {@code (extra)} for an undeclared field
     * @param rule  {@code not_an_object}, {@code missing}, {@code not_a_string}, {@code empty}, {@code too_short},
     *              {@code too_long}, {@code too_many_words}, {@code too_few_words}, {@code extra_field}
     */
    record Violation(String field, String rule) {
    }
}
