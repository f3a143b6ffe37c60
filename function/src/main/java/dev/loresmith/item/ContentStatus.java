package dev.loresmith.item;

/** The lifecycle of a content item. A finished item is {@code ready} or {@code failed}, never left {@code pending}. */
public enum ContentStatus {
    PENDING("pending"), READY("ready"), FAILED("failed");

    private final String wireName;

    ContentStatus(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static ContentStatus fromWireName(String name) {
        for (ContentStatus s : values()) {
            if (s.wireName.equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown status '" + name + "'");
    }
}
