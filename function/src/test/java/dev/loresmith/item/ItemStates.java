package dev.loresmith.item;

import dev.loresmith.content.ContentId;
import dev.loresmith.content.ContentKey;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Every state a content item can be found in by a write at {@link #NOW}: the rows of the lifecycle's tables. */
public final class ItemStates {

    public static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    public static final String ME = "me";
    public static final String OTHER = "other";
    /** When the request a claim is for was made, for the claims that say (40 s ago: before some attempts, after others). */
    public static final Instant REQUESTED = NOW.minusSeconds(40);
    public static final ContentKey KEY = new ContentKey("quest_description", ContentId.parse("42"));
    private static final String TEXT = "{\"title\":\"A Call for Aid\",\"description\":\"Help.\"}";

    private ItemStates() {
    }

    /** State name → the item as stored (empty: absent). Insertion order is the tables' row order. */
    public static Map<String, Optional<ContentItem>> all() {
        Map<String, Optional<ContentItem>> states = new LinkedHashMap<>();
        ContentItem pending = ContentItem.pending(KEY, NOW.minusSeconds(30), null);
        ContentItem ready = pending.finished(ContentStatus.READY, TEXT, "claude-sonnet-4-5", NOW.minusSeconds(20));
        ContentItem failed = pending.finished(ContentStatus.FAILED, TEXT, "fallback:circuit_open", NOW.minusSeconds(20));
        states.put("absent", Optional.empty());
        states.put("pending", Optional.of(pending));
        states.put("pending, owing a requeue", Optional.of(pending.withFollowUp(new FollowUp(FollowUp.Kind.REQUEUE, NOW.plusSeconds(300)))));
        states.put("pending, leased by another", Optional.of(leased(pending, OTHER, NOW.plusSeconds(60))));
        states.put("pending, leased by me", Optional.of(leased(pending, ME, NOW.plusSeconds(60))));
        states.put("pending, lease run out", Optional.of(leased(pending, OTHER, NOW.minusMillis(1))));
        states.put("pending, lease ends now", Optional.of(leased(pending, OTHER, NOW)));
        states.put("ready", Optional.of(ready));
        states.put("failed", Optional.of(failed));
        states.put("failed, upgrade due", Optional.of(failed.withFollowUp(new FollowUp(FollowUp.Kind.UPGRADE, NOW.minusSeconds(1)))));
        states.put("failed, upgrade due now", Optional.of(failed.withFollowUp(new FollowUp(FollowUp.Kind.UPGRADE, NOW))));
        states.put("failed, upgrade later", Optional.of(failed.withFollowUp(new FollowUp(FollowUp.Kind.UPGRADE, NOW.plusSeconds(60)))));
        states.put("failed, upgrade due, leased by another",
                Optional.of(leased(failed.withFollowUp(new FollowUp(FollowUp.Kind.UPGRADE, NOW.minusSeconds(1))), OTHER, NOW.plusSeconds(60))));
        states.put("failed, leased by me", Optional.of(leased(failed, ME, NOW.plusSeconds(60))));
        states.put("failed, marked for replay", Optional.of(failed.withFollowUp(new FollowUp(FollowUp.Kind.REPLAY, NOW.minusSeconds(5)))));
        states.put("failed, owing the requeue a dead claim left", Optional.of(failed.withFollowUp(new FollowUp(FollowUp.Kind.REQUEUE, NOW.plusSeconds(1800)))));
        states.put("failed by an attempt claimed before the request", Optional.of(failed.finishedByAttemptClaimedAt(REQUESTED.minusSeconds(20))));
        states.put("failed by an attempt claimed after the request", Optional.of(failed.finishedByAttemptClaimedAt(REQUESTED.plusSeconds(15))));
        return states;
    }

    static ContentItem leased(ContentItem item, String owner, Instant until) {
        return new ContentItem(item.key(), item.status(), item.text(), item.model(), item.requestedAt(), item.generatedAt(), owner, until,
                item.context(), item.upgradedFrom(), item.attempts(), item.attemptsSince(), item.followUp(), item.lastFailure(), item.attemptedAt(),
                item.provider(), item.providerReasons(), item.attemptClaimedAt(), item.unfinishedUpgrades());
    }
}
