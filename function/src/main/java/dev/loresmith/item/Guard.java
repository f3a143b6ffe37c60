package dev.loresmith.item;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A condition a write to a content item requires of the item as stored. The lifecycle ({@link ItemLifecycle})
 * decides with guards in memory; storage renders each kind once into a DynamoDB condition expression, so the
 * table enforces exactly what the lifecycle decided (the guard rendering test checks both agree, state by state).
 * In memory, as in DynamoDB, a condition on an attribute the item lacks — or on an item that does not exist — is
 * false, except where the guard is about absence. Times compare in epoch milliseconds, as stored.
 */
public sealed interface Guard {

    /** Whether the item as stored ({@code empty}: it does not exist) meets this guard. */
    boolean holds(Optional<ContentItem> item);

    static Guard allOf(Guard... guards) {
        return new AllOf(List.of(guards));
    }

    static Guard anyOf(Guard... guards) {
        return new AnyOf(List.of(guards));
    }

    /** The item does not exist. */
    record Absent() implements Guard {
        @Override
        public boolean holds(Optional<ContentItem> item) {
            return item.isEmpty();
        }
    }

    /** The item exists with this status. */
    record StatusIs(ContentStatus status) implements Guard {
        @Override
        public boolean holds(Optional<ContentItem> item) {
            return item.map(i -> i.status() == status).orElse(false);
        }
    }

    /** The item does not exist, or it is not {@code ready}. */
    record NotReady() implements Guard {
        @Override
        public boolean holds(Optional<ContentItem> item) {
            return item.map(i -> i.status() != ContentStatus.READY).orElse(true);
        }
    }

    /** No live lease at {@code now}: none was ever taken, or it ended before {@code now} (an absent item has none). */
    record Unleased(Instant now) implements Guard {
        @Override
        public boolean holds(Optional<ContentItem> item) {
            return item.map(ContentItem::leaseUntil).map(until -> until.toEpochMilli() < now.toEpochMilli()).orElse(true);
        }
    }

    /** {@code worker} holds the lease (whether or not it has run out: the holder may still write until someone takes it). */
    record LeasedBy(String worker) implements Guard {
        @Override
        public boolean holds(Optional<ContentItem> item) {
            return item.map(i -> worker.equals(i.leaseOwner())).orElse(false);
        }
    }

    /**
     * No attempt that claimed the item after {@code requestedAt} has finished it: a request made at {@code requestedAt}
     * is not older than the attempt that last finished the item (an absent item, or one never finished, holds).
     */
    record NotFinishedSince(Instant requestedAt) implements Guard {
        @Override
        public boolean holds(Optional<ContentItem> item) {
            return item.map(ContentItem::attemptClaimedAt).map(at -> at.toEpochMilli() <= requestedAt.toEpochMilli()).orElse(true);
        }
    }

    /** The item owes a follow-up of this kind. */
    record FollowUpOf(FollowUp.Kind kind) implements Guard {
        @Override
        public boolean holds(Optional<ContentItem> item) {
            return item.map(ContentItem::followUp).map(f -> f.kind() == kind).orElse(false);
        }
    }

    /** Its follow-up is due at {@code now}. */
    record FollowUpDue(Instant now) implements Guard {
        @Override
        public boolean holds(Optional<ContentItem> item) {
            return item.map(ContentItem::followUp).map(f -> f.at().toEpochMilli() <= now.toEpochMilli()).orElse(false);
        }
    }

    /** The item exists and owes no follow-up. */
    record NoFollowUp() implements Guard {
        @Override
        public boolean holds(Optional<ContentItem> item) {
            return item.map(i -> i.followUp() == null).orElse(false);
        }
    }

    /** Every one of {@code guards}. */
    record AllOf(List<Guard> guards) implements Guard {
        public AllOf {
            guards = List.copyOf(guards);
        }

        @Override
        public boolean holds(Optional<ContentItem> item) {
            return guards.stream().allMatch(g -> g.holds(item));
        }
    }

    /** At least one of {@code guards}. */
    record AnyOf(List<Guard> guards) implements Guard {
        public AnyOf {
            guards = List.copyOf(guards);
        }

        @Override
        public boolean holds(Optional<ContentItem> item) {
            return guards.stream().anyMatch(g -> g.holds(item));
        }
    }
}
