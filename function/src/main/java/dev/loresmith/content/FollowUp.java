package dev.loresmith.content;

import java.time.Instant;

/**
 * Work still owed to a finished item: an {@code UPGRADE} (its fallback may be replaced by generated text
 * from {@code at}) or a {@code REPLAY} (it died in the dead-letter queue; an operator's replay re-enqueues
 * it). Stored on the item so it is found even if whoever wrote it died right after.
 */
public record FollowUp(Kind kind, Instant at) {

    public enum Kind {
        UPGRADE("upgrade"), REPLAY("replay");

        private final String wireName;

        Kind(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }
}
