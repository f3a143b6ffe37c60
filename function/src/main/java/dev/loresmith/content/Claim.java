package dev.loresmith.content;

/** The result of claiming a content item for generation. */
public sealed interface Claim {

    ContentItem item();

    /** This worker holds the lease and must finish the item. {@code item} is as it was claimed (text kept if failed). */
    record Claimed(ContentItem item) implements Claim {
    }

    /** Already {@code ready}: a duplicate delivery; nothing to do. */
    record AlreadyFinished(ContentItem item) implements Claim {
    }

    /** Another worker holds a live lease on it. */
    record Leased(ContentItem item) implements Claim {
    }

    /** An upgrade that no longer applies (not due, already done, or given up): nothing to do. */
    record NotDue(ContentItem item) implements Claim {
    }

    /** What the claim is for. */
    enum Kind {
        /** A request (HTTP, queue, replay): generate it unless ready or leased; a failed item keeps its text until replaced. */
        REQUEST,
        /** An automatic upgrade of a failed item: only while it awaits one and is due. */
        UPGRADE
    }
}
