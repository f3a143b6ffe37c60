package dev.loresmith.item;

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

    /**
     * A claim that no longer applies: an upgrade not due, already done or given up; a requeue of an item no longer
     * pending; a request older than the attempt that finished the item. Nothing to do.
     */
    record NotDue(ContentItem item) implements Claim {
    }

    /** What the claim is for; {@code attribute} is the generate queue's {@code kind} message attribute (none for a request). */
    enum Kind {
        /** A request (HTTP, queue, replay): generate it unless ready or leased; a failed item keeps its text until replaced. */
        REQUEST(null),
        /** An automatic upgrade of a failed item: only while it awaits one and is due. */
        UPGRADE("upgrade"),
        /**
         * A pending item the sweep put on the queue again: only while it is still pending. Should its first message
         * only have been late (a backlog), whichever comes second finds the item done and calls nothing.
         */
        REQUEUE("requeue");

        private final String attribute;

        Kind(String attribute) {
            this.attribute = attribute;
        }

        public String attribute() {
            return attribute;
        }

        /** The kind a received message's {@code kind} attribute names; a request when it names none this code knows. */
        public static Kind ofAttribute(String attribute) {
            for (Kind kind : values()) {
                if (kind.attribute != null && kind.attribute.equals(attribute)) {
                    return kind;
                }
            }
            return REQUEST;
        }
    }
}
