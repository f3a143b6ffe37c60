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
    /**
     * A number in a context, in characters as written (a 64-bit id is 20; a double at most 24). JSON numbers have no
     * length limit of their own, so without this one a 16 KiB body of digits would pass every other bound.
     */
    public static final int MAX_NUMBER_LENGTH = 32;

    private ContextLimits() {
    }
}
