package dev.loresmith.generate;

import dev.loresmith.content.ContentType;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.FollowUp;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * When an item holding a fallback is tried again by the upgrade sweep — a pure decision over (item, reason,
 * time). An item is upgraded only for a transient reason, only if its type allows it, at most
 * {@code attemptsPerWindow} times per {@code window} with backoff between attempts, and never after
 * {@code giveUpAfter} since its fallback was written. {@code invalid_json} earns one attempt only: a prompt
 * that produced garbage once is tried once more, not hammered.
 *
 * @param firstDelay        how long after a fallback its first upgrade may run (the sweep also waits for a closed circuit)
 * @param backoffFactor     each further attempt waits this many times longer than the last
 * @param attemptsPerWindow most upgrade attempts per item within {@code window}
 */
public record UpgradePolicy(Duration firstDelay, int backoffFactor, int attemptsPerWindow, Duration window, Duration giveUpAfter) {

    public static final UpgradePolicy DEFAULTS = new UpgradePolicy(Duration.ofMinutes(1), 5, 3, Duration.ofHours(24), Duration.ofDays(7));

    /**
     * The follow-up of an item that now holds (or keeps) a fallback for {@code reason}. {@code attempts} and
     * {@code attemptsSince} are the item's upgrade attempts including the one that just ended, if it was one;
     * {@code throttledUntil} the shared throttle (null if none). Null when it will not be upgraded.
     */
    public FollowUp after(ContentType type, ContentItem item, FallbackReason reason, int attempts, Instant attemptsSince,
                          Instant now, Instant throttledUntil) {
        return after(type, item, List.of(reason), attempts, attemptsSince, now, throttledUntil);
    }

    /**
     * The follow-up of a fallback whose providers each gave one of {@code reasons}: it is upgraded if any provider's
     * reason allows it — another try may reach the one whose trouble passes.
     */
    public FollowUp after(ContentType type, ContentItem item, List<FallbackReason> reasons, int attempts, Instant attemptsSince,
                          Instant now, Instant throttledUntil) {
        // invalid_json is upgraded once: after an attempt, it no longer earns another
        boolean owed = reasons.stream().anyMatch(r -> r != null && r.upgradeable() && !(r.upgradedOnce() && attempts > 0));
        if (!type.upgrade() || !owed) {
            return null;
        }
        Instant fellBackAt = item.generatedAt() == null ? now : item.generatedAt();
        if (now.isAfter(fellBackAt.plus(giveUpAfter))) {
            return null;
        }
        Instant at;
        if (attempts == 0) {
            at = now.plus(firstDelay);
        } else if (attempts >= attemptsPerWindow) {
            at = attemptsSince.plus(window); // this window's attempts are spent: the next window
        } else {
            at = now.plus(firstDelay.multipliedBy((long) Math.pow(backoffFactor, attempts)));
        }
        if (throttledUntil != null && throttledUntil.isAfter(at)) {
            at = throttledUntil;
        }
        return fellBackAt.plus(giveUpAfter).isBefore(at) ? null : new FollowUp(FollowUp.Kind.UPGRADE, at);
    }

    /**
     * The follow-up of a failed item that keeps its fallback after another attempt (an upgrade, or a request that found it
     * failed) ended in {@code attempt}'s reasons. Whether it is still owed an upgrade depends on the fallback it keeps as
     * well as on what this attempt met: an {@code api_error_503} fallback whose upgrade met a spent budget, a blank key
     * during a rotation, a 4xx from a bad override, a refusal or a truncation is still owed one — those say nothing of
     * the fallback it keeps. And an attempt that met passing trouble owes the item one, whatever it holds.
     */
    public FollowUp afterKept(ContentType type, ContentItem kept, List<FallbackReason> attempt, int attempts, Instant attemptsSince,
                              Instant now, Instant throttledUntil) {
        List<FallbackReason> reasons = new ArrayList<>(attempt);
        reasons.addAll(held(kept));
        return after(type, kept, reasons, attempts, attemptsSince, now, throttledUntil);
    }

    /** The reasons of the fallback {@code item} holds: its {@code model}'s (the primary's) and each provider's. */
    static List<FallbackReason> held(ContentItem item) {
        List<FallbackReason> held = new ArrayList<>();
        item.fallbackReason().flatMap(FallbackReason::parse).ifPresent(held::add);
        item.providerReasons().values().forEach(code -> FallbackReason.parse(code).ifPresent(held::add));
        return held;
    }

    /** Why an upgrade that claimed its item makes no call, and the follow-up it leaves (null: none, it is given up). */
    public record Stop(String why, FollowUp next) {
    }

    /**
     * Whether an upgrade that has just claimed {@code claimed} at {@code now} must not call. The limits are otherwise
     * applied when an attempt's result is written; an attempt whose result is never written (its invocation dying, or
     * the write failing after the call, on every try) would escape them and loop, a call every few minutes. So before
     * calling: never after {@code giveUpAfter}; and after {@code attemptsPerWindow} upgrade attempts in a row that
     * never finished, none until a {@code window} later.
     */
    public Optional<Stop> beforeCall(ContentItem claimed, Instant now) {
        Instant fellBackAt = claimed.generatedAt() == null ? now : claimed.generatedAt();
        Instant giveUp = fellBackAt.plus(giveUpAfter);
        if (now.isAfter(giveUp)) {
            return Optional.of(new Stop("given_up", null));
        }
        if (claimed.unfinishedUpgrades() - 1 >= attemptsPerWindow) {
            Instant at = now.plus(window);
            return Optional.of(new Stop("attempts_unfinished", at.isAfter(giveUp) ? null : new FollowUp(FollowUp.Kind.UPGRADE, at)));
        }
        return Optional.empty();
    }

    /** The attempt window after an upgrade attempt begun at {@code now}: a new window once the last has passed. */
    public Instant windowStart(ContentItem item, Instant now) {
        Instant since = item.attemptsSince();
        return since == null || !now.isBefore(since.plus(window)) ? now : since;
    }

    /** The attempt count after an upgrade attempt begun at {@code now}. */
    public int attemptsAfter(ContentItem item, Instant now) {
        Instant since = item.attemptsSince();
        return since == null || !now.isBefore(since.plus(window)) ? 1 : item.attempts() + 1;
    }
}
