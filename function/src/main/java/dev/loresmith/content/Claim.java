package dev.loresmith.content;

/** The result of claiming a content item for generation. */
public sealed interface Claim {

    ContentItem item();

    /** This worker holds the lease and must finish the item. */
    record Claimed(ContentItem item) implements Claim {
    }

    /** Already {@code ready}: a duplicate delivery; nothing to do. */
    record AlreadyFinished(ContentItem item) implements Claim {
    }

    /** Another worker holds a live lease on it. */
    record Leased(ContentItem item) implements Claim {
    }
}
