package dev.loresmith.content;

/**
 * The bounds on a player's context, in one place: the request parser rejects what exceeds the structure bounds, and the
 * prompt sanitizer cuts strings to their lengths (counted in characters — code points — as rendered in the prompt).
 */
public final class ContextLimits {

    /** Nesting allowed inside {@code context} (1 = a flat object). */
    public static final int MAX_DEPTH = 4;
    /** Object keys plus array elements, counted over the whole context. */
    public static final int MAX_ENTRIES = 32;
    /** A key's length, in characters. */
    public static final int MAX_KEY_LENGTH = 64;
    /** A string value of a context object, in characters as rendered in the prompt. */
    public static final int MAX_VALUE_LENGTH = 200;
    /** A context given as one string, in characters as rendered in the prompt. */
    public static final int MAX_STRING_CONTEXT_LENGTH = 500;

    private ContextLimits() {
    }
}
