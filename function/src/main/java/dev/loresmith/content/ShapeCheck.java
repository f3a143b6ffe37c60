package dev.loresmith.content;

import java.util.List;
import java.util.Set;

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

        /**
         * Whether every violation is of a field's limits (empty, too short or long, too few or many words) — the
         * schema the API constrains the reply to cannot express these, and a player's context can provoke them
         * (a quest name longer than a title may be, "answer in 400 words"). A wrong shape is the API's doing.
         */
        public boolean limitsOnly() {
            return violations.stream().allMatch(v -> LIMIT_RULES.contains(v.rule()));
        }

        /** The violations as {@code field:rule,...}, for logs. */
        public String summary() {
            return String.join(",", violations.stream().map(v -> v.field() + ":" + v.rule()).toList());
        }
    }

    Set<String> LIMIT_RULES = Set.of("empty", "too_short", "too_long", "too_many_words", "too_few_words");

    /**
     * One rule a reply broke.
     *
     * @param field a declared field's name; {@code (document)} for the whole, {@code (extra)} for an undeclared field
     * @param rule  {@code not_an_object}, {@code missing}, {@code not_a_string}, {@code empty}, {@code too_short},
     *              {@code too_long}, {@code too_many_words}, {@code too_few_words}, {@code extra_field}
     */
    record Violation(String field, String rule) {
    }
}
