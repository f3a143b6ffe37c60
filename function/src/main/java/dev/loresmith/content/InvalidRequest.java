package dev.loresmith.content;

/** A request that cannot be served as sent. {@code field} names the offending field ("body" for the whole). */
public final class InvalidRequest extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String field;

    public InvalidRequest(String field, String message) {
        super(message, null, false, false);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
