package dev.loresmith.content;

import java.util.ArrayList;
import java.util.List;

/**
 * One string field of a content type's JSON, with the constraints a reply must meet. The same
 * declaration drives the prompt's output-format section, the JSON Schema sent to the API, the
 * validation of replies and the check of the type's own fallbacks.
 *
 * @param minLength least characters (code points) after trimming; at least 1, so a blank value never passes
 * @param maxLength most characters (code points)
 * @param minWords  least words (runs of non-space), 0 for no minimum
 * @param maxWords  most words, 0 for no maximum
 */
public record ContentField(String name, String description, int minLength, int maxLength, int minWords, int maxWords) {

    public ContentField {
        if (name == null || !name.matches("[a-zA-Z][a-zA-Z0-9_]{0,63}")) {
            throw new IllegalArgumentException("field name must match [a-zA-Z][a-zA-Z0-9_]{0,63}");
        }
        if (description == null || description.isBlank()) {
            throw new IllegalArgumentException("field '" + name + "' needs a description (the prompt and the schema use it)");
        }
        if (minLength < 1 || maxLength < minLength) {
            throw new IllegalArgumentException("field '" + name + "': need 1 <= minLength <= maxLength");
        }
        if (minWords < 0 || maxWords < 0 || (maxWords > 0 && maxWords < minWords)) {
            throw new IllegalArgumentException("field '" + name + "': need 0 <= minWords <= maxWords (0 = no limit)");
        }
    }

    /** The constraints in words, for the prompt and for the schema's description. */
    public String limits() {
        List<String> parts = new ArrayList<>();
        if (minWords > 0 && maxWords > 0) {
            parts.add(minWords == maxWords ? minWords + " words" : minWords + " to " + maxWords + " words");
        } else if (maxWords > 0) {
            parts.add("at most " + maxWords + " words");
        } else if (minWords > 0) {
            parts.add("at least " + minWords + " words");
        }
        parts.add("at most " + maxLength + " characters");
        if (minLength > 1) {
            parts.add("at least " + minLength + " characters");
        }
        return String.join(", ", parts);
    }

    /** The rule a value breaks, or null when it meets every constraint. */
    String violation(String value) {
        String trimmed = value.strip();
        int length = trimmed.codePointCount(0, trimmed.length());
        if (trimmed.isEmpty()) {
            return "empty";
        }
        if (length < minLength) {
            return "too_short";
        }
        if (length > maxLength) {
            return "too_long";
        }
        int words = trimmed.split("\\s+").length;
        if (maxWords > 0 && words > maxWords) {
            return "too_many_words";
        }
        if (words < minWords) {
            return "too_few_words";
        }
        return null;
    }
}
