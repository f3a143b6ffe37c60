package dev.loresmith.item;

import java.time.Instant;

/**
 * Work still owed to an item, stored on it so it is found even if whoever wrote it died right after:
 * {@code REQUEUE} — a pending item nobody finished by {@code at} is put on the queue again (a request whose
 * message never got sent, say); {@code UPGRADE} — its fallback may be replaced by generated text from
 * {@code at}; {@code REPLAY} — it died in the dead-letter queue; an operator's replay re-enqueues it.
 */
public record FollowUp(Kind kind, Instant at) {

    public enum Kind {
        REQUEUE("requeue"), UPGRADE("upgrade"), REPLAY("replay");

        private final String wireName;

        Kind(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }
}
