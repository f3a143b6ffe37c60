package dev.loresmith.item;

import java.time.Instant;
import java.util.Optional;

/**
 * The content item's lifecycle: every write the code makes to an item, as a named decision over the item as stored —
 * which states it may start from ({@link Guard}s, rendered by storage into the write's condition) and what a refused
 * write means, read from the item the refusal returns. Pure: no I/O, time always passed in.
 *
 * <pre>
 *            request / claim(request)                 finish(ready)
 *   (absent) ──────────────────────────▶ pending ───────────────────────▶ ready   (final: nothing writes it again)
 *                                          │  ▲
 *             finish(fallback),            │  │ claim(request), claim(requeue): leased, still pending
 *             unclaimed fallback           ▼  │
 *   (not_queued, dead_letter) ─────────▶ failed ──── claim(request) / claim(upgrade, when due) ──▶ leased, text kept
 *                                          │              └── finish: ready, or failed with its text kept
 *                                          └── mark for replay (dead letter), clear / move a follow-up
 * </pre>
 *
 * A lease ({@code leaseOwner}, {@code leaseUntil}) makes one worker the only writer of an item until it ends: every
 * write but the lease holder's own finish requires the item to be unleased.
 */
public final class ItemLifecycle {

    private ItemLifecycle() {
    }

    // ------------------------------------------------------------------ claims

    /** {@link #claimable(Claim.Kind, Instant, Instant)} for a message that does not say when it was requested. */
    public static Guard claimable(Claim.Kind kind, Instant now) {
        return claimable(kind, now, null);
    }

    /**
     * Where a claim of {@code kind} may start from at {@code now}: a request from anything not ready (creating the item)
     * — unless the request, made at {@code requestedAt}, is older than the attempt that last finished the item (a late
     * message whose requeue, or duplicate, was served first: standard SQS keeps no order); a requeue only from pending
     * (its first message may just have been late); an upgrade only from a failed item whose upgrade is due. Never from
     * a live lease. {@code requestedAt} null: the message does not say (it claims as every request did before).
     */
    public static Guard claimable(Claim.Kind kind, Instant now, Instant requestedAt) {
        return switch (kind) {
            case REQUEST -> requestedAt == null ? Guard.allOf(new Guard.NotReady(), new Guard.Unleased(now))
                    : Guard.allOf(new Guard.NotReady(), new Guard.Unleased(now), new Guard.NotFinishedSince(requestedAt));
            case REQUEUE -> Guard.allOf(new Guard.StatusIs(ContentStatus.PENDING), new Guard.Unleased(now));
            case UPGRADE -> Guard.allOf(new Guard.StatusIs(ContentStatus.FAILED), new Guard.FollowUpOf(FollowUp.Kind.UPGRADE),
                    new Guard.FollowUpDue(now), new Guard.Unleased(now));
        };
    }

    /**
     * What a refused claim means, from the item the refusal found: ready → a duplicate; an upgrade or a requeue that no
     * longer applies, or a request older than the attempt that finished the item → not due; otherwise another worker
     * holds it (its message is kept, in case that worker dies).
     */
    public static Claim refusedClaim(Claim.Kind kind, Optional<ContentItem> found, Instant now, ContentItem ifAbsent) {
        if (found.isEmpty()) {
            return new Claim.NotDue(ifAbsent);
        }
        ContentItem item = found.get();
        if (item.status() == ContentStatus.READY) {
            return new Claim.AlreadyFinished(item);
        }
        if (kind == Claim.Kind.UPGRADE) {
            return new Claim.NotDue(item); // not due, given up, or another worker has it: the index keeps it
        }
        if (kind == Claim.Kind.REQUEUE && !leasedAt(item, now)) {
            return new Claim.NotDue(item); // finished: its first message came after all, nothing owed
        }
        if (kind == Claim.Kind.REQUEST && !leasedAt(item, now)) {
            return new Claim.NotDue(item); // finished by an attempt newer than this request: nothing it did not do
        }
        return new Claim.Leased(item);
    }

    /** The decision on a claim of the item as it is, in memory: allowed, or the refusal storage would report. */
    public static Optional<Claim> refusal(Claim.Kind kind, Optional<ContentItem> item, Instant now, ContentItem ifAbsent) {
        return refusal(kind, item, now, null, ifAbsent);
    }

    /** {@link #refusal(Claim.Kind, Optional, Instant, ContentItem)} for a message requested at {@code requestedAt}. */
    public static Optional<Claim> refusal(Claim.Kind kind, Optional<ContentItem> item, Instant now, Instant requestedAt, ContentItem ifAbsent) {
        return claimable(kind, now, requestedAt).holds(item) ? Optional.empty() : Optional.of(refusedClaim(kind, item, now, ifAbsent));
    }

    // ------------------------------------------------------------------ other writes

    /** A request recorded by the HTTP API: only creates the item; an existing one is left as it is. */
    public static Guard requestable() {
        return new Guard.Absent();
    }

    /** The lease holder's result. */
    public static Guard finishable(String worker) {
        return new Guard.LeasedBy(worker);
    }

    /**
     * A fallback for an item nobody holds ({@code not_queued}, {@code dead_letter}, a pending item of a removed type):
     * only where there is no text yet — absent, or pending — and no live lease.
     */
    public static Guard unclaimedFallbackAllowed(Instant now) {
        return Guard.anyOf(new Guard.Absent(), Guard.allOf(new Guard.StatusIs(ContentStatus.PENDING), new Guard.Unleased(now)));
    }

    /**
     * A failed item that owes nothing else, marked replayable from the dead-letter path. A {@code requeue} follow-up is
     * nothing owed on a failed item (a requeue only takes a pending one): it is what each receive's claim of the item
     * left when they all died, and the mark replaces it — else the sweep would clear it and the replay never find it.
     */
    public static Guard replayMarkable(Instant now) {
        return Guard.allOf(new Guard.StatusIs(ContentStatus.FAILED),
                Guard.anyOf(new Guard.NoFollowUp(), new Guard.FollowUpOf(FollowUp.Kind.REQUEUE)), new Guard.Unleased(now));
    }

    /** What a refused replay mark means: a live worker holds the item (try later), or there is nothing to mark. */
    public static Mark refusedMark(Optional<ContentItem> found, Instant now) {
        return found.filter(item -> leasedAt(item, now)).isPresent() ? Mark.LEASED : Mark.NOTHING_TO_MARK;
    }

    /** A follow-up of {@code kind} removed (enqueued, or no longer owed): only if it is still that follow-up. */
    public static Guard followUpClearable(FollowUp.Kind kind) {
        return new Guard.FollowUpOf(kind);
    }

    /** A requeued item's follow-up moved on: only while it is still pending and owes the requeue. */
    public static Guard requeueMovable() {
        return Guard.allOf(new Guard.StatusIs(ContentStatus.PENDING), new Guard.FollowUpOf(FollowUp.Kind.REQUEUE));
    }

    /**
     * What a refused finish means: the item already reads exactly as {@code finished} with no lease — this attempt's own
     * write, landed on an earlier try the SDK repeated after a timeout — or another worker took the item after this
     * worker's lease ended, and nothing was written.
     */
    public static boolean writtenAlready(Optional<ContentItem> found, ContentItem finished) {
        return finished.attemptedAt() != null && found.filter(item -> item.leaseOwner() == null
                && finished.attemptedAt().equals(item.attemptedAt())
                && finished.text() != null && finished.text().equals(item.text())
                && finished.model() != null && finished.model().equals(item.model())).isPresent();
    }

    /** Whether a live lease is on the item at {@code now}: the negation of {@link Guard.Unleased}. */
    public static boolean leasedAt(ContentItem item, Instant now) {
        return !new Guard.Unleased(now).holds(Optional.of(item));
    }

    /** What marking an item for replay did. */
    public enum Mark {
        MARKED,
        /** Ready, still pending, or already owing an upgrade or a replay: nothing to mark. */
        NOTHING_TO_MARK,
        /** A live worker holds it: try again later. */
        LEASED
    }
}
