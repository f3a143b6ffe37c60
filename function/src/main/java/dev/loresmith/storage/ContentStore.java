package dev.loresmith.storage;

import dev.loresmith.content.ContentKey;
import dev.loresmith.item.Claim;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.FollowUp;
import dev.loresmith.item.ItemLifecycle;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The content table, in the terms the flow and handlers need. Every write to an item is conditioned so
 * that it never takes an item from a live lease held by another worker.
 */
public interface ContentStore {

    /**
     * Leases the item to {@code worker} until {@code leaseUntil}, unless it is {@code ready}, leased by a live
     * worker, or (for {@link Claim.Kind#UPGRADE}) not awaiting an upgrade that is due. A request creates the item
     * {@code pending} if absent and records {@code context}; a {@code failed} item keeps its text and status
     * while leased, so a reader never sees it go backwards. A request's claim moves the item's follow-up to
     * {@code requeueAt} (creating a {@code requeue} one if it had none), so an item whose worker and message are
     * both lost is still found. A request made at {@code requestedAt} (null: the message does not say) claims nothing
     * an attempt begun after it has finished ({@link dev.loresmith.item.ItemLifecycle#claimable}). One conditional write.
     */
    Claim claim(ContentKey key, Claim.Kind kind, Instant requestedAt, String worker, Instant now, Instant leaseUntil, String context,
                Instant requeueAt);

    /** Strongly consistent read. */
    Optional<ContentItem> find(ContentKey key);

    /**
     * This store with every call it makes cut to end by {@code deadline} (as {@code clock} tells the time left): for a
     * caller that must answer by then, a call that hangs fails in time instead of running past it.
     */
    ContentStore within(Instant deadline, Clock clock);

    /**
     * Creates the item {@code pending} if absent (recording {@code context}, with a {@code requeue} follow-up at
     * {@code requeueAt}); otherwise leaves it as it is. Returns it as it now is.
     */
    ContentItem request(ContentKey key, Instant now, String context, Instant requeueAt);

    /**
     * The lease holder's result: {@code finished} as it must now read (ready, a first fallback, or a failed item
     * kept as it was), together with every provider circuit's move the attempt made ({@code moves}; those that change
     * nothing are not written), in one transaction — conditioned on {@code worker} still holding the lease and on each
     * circuit's version.
     */
    Commit finish(ContentItem finished, String worker, List<CircuitStore.CircuitMove> moves);

    /**
     * A fallback for an item nobody holds: written only if the item is {@code pending} (or absent) and not
     * leased by a live worker. For {@code not_queued} and {@code dead_letter}. Returns whether it wrote.
     */
    boolean fallbackUnclaimed(ContentItem fallback, Instant now);

    /**
     * Marks a {@code failed} item that owes nothing else as replayable from the dead-letter path. Written only
     * if the item is failed, has no follow-up and is not leased by a live worker.
     */
    ItemLifecycle.Mark markForReplay(ContentKey key, Instant now);

    /** Items whose follow-up of {@code kind} is due at {@code now}, oldest first, at most {@code limit}. */
    List<ContentKey> dueFollowUps(FollowUp.Kind kind, Instant now, int limit);

    /** Removes a follow-up of {@code kind} (a replay once enqueued, a requeue of an item that is no longer pending); a no-op if it has changed since. */
    void clearFollowUp(ContentKey key, FollowUp.Kind kind);

    /** Moves a pending item's requeue follow-up to {@code next} once it is re-enqueued (a no-op if it is no longer pending). */
    void requeued(ContentKey key, Instant next);

    enum Commit {
        COMMITTED,
        /**
         * The circuit changed since it was read, the transaction conflicted, or DynamoDB throttled it:
         * back off, re-read and decide again.
         */
        RETRY,
        /** Another worker took the item after this worker's lease ended; nothing was written. */
        LEASE_LOST
    }

}
