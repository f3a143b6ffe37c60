package dev.loresmith.item;

import dev.loresmith.content.ContentKey;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One content item as stored. {@code text} is always a JSON document of the type's shape once the
 * item is finished; {@code model} is the model id, or {@code fallback:<reason>}.
 *
 * @param text          null while pending
 * @param model         null while pending
 * @param generatedAt   null while pending
 * @param leaseOwner    the worker generating it, null when none
 * @param leaseUntil    end of that worker's lease, null when none
 * @param context       the player's context as sanitized JSON, kept for upgrades and replays; null when none
 * @param upgradedFrom  on a ready item that replaced a fallback, the reason of that fallback; else null
 * @param attempts      upgrade attempts in the current window
 * @param attemptsSince start of that window; null before the first attempt
 * @param followUp      work still owed to the item; null when none
 * @param lastFailure   the reason of the latest failed retry of a failed item (its text and model stay); else null
 * @param attemptedAt   when the latest attempt on the item ended (ready, fallback, or a failed retry); null while none has
 * @param provider      on a ready item, the provider that wrote its text ({@code anthropic}, {@code bedrock}); else null
 * @param providerReasons on a fallback, each provider's reason, in preference order (the primary's is also in
 *                      {@code model}); empty otherwise
 * @param attemptClaimedAt when the attempt that last finished the item (ready, a fallback, or a failed retry) claimed it;
 *                      null while none has. A request older than this asks for nothing that attempt did not do
 * @param unfinishedUpgrades upgrade claims since the item was last finished, a live one included: those before it never
 *                      wrote their result (their invocation died, or the write failed after the call)
 */
public record ContentItem(ContentKey key, ContentStatus status, String text, String model, Instant requestedAt,
                          Instant generatedAt, String leaseOwner, Instant leaseUntil, String context,
                          String upgradedFrom, int attempts, Instant attemptsSince, FollowUp followUp,
                          String lastFailure, Instant attemptedAt, String provider, Map<String, String> providerReasons,
                          Instant attemptClaimedAt, int unfinishedUpgrades) {

    public static final String FALLBACK_PREFIX = "fallback:";

    public ContentItem {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(requestedAt, "requestedAt");
        providerReasons = providerReasons == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(providerReasons));
    }

    /** A new pending item, as a request creates it. */
    public static ContentItem pending(ContentKey key, Instant requestedAt, String context) {
        return new ContentItem(key, ContentStatus.PENDING, null, null, requestedAt, null, null, null, context,
                null, 0, null, null, null, null, null, Map.of(), null, 0);
    }

    /** This item finished with {@code finalText}; lease and follow-up cleared unless given. */
    public ContentItem finished(ContentStatus finalStatus, String finalText, String finalModel, Instant at) {
        return new ContentItem(key, finalStatus, finalText, finalModel, requestedAt, at, null, null, context,
                null, attempts, attemptsSince, null, null, at, null, Map.of(), attemptClaimedAt, 0);
    }

    /** This ready item as written by {@code source}. */
    public ContentItem writtenBy(String source) {
        return new ContentItem(key, status, text, model, requestedAt, generatedAt, leaseOwner, leaseUntil, context,
                upgradedFrom, attempts, attemptsSince, followUp, lastFailure, attemptedAt, source, providerReasons, attemptClaimedAt, unfinishedUpgrades);
    }

    /** This fallback with each provider's reason for it. */
    public ContentItem withProviderReasons(Map<String, String> reasons) {
        return new ContentItem(key, status, text, model, requestedAt, generatedAt, leaseOwner, leaseUntil, context,
                upgradedFrom, attempts, attemptsSince, followUp, lastFailure, attemptedAt, provider, reasons, attemptClaimedAt, unfinishedUpgrades);
    }

    public ContentItem withFollowUp(FollowUp next) {
        return new ContentItem(key, status, text, model, requestedAt, generatedAt, leaseOwner, leaseUntil, context,
                upgradedFrom, attempts, attemptsSince, next, lastFailure, attemptedAt, provider, providerReasons, attemptClaimedAt, unfinishedUpgrades);
    }

    public ContentItem withUpgrade(String from, int attemptCount, Instant since) {
        return new ContentItem(key, status, text, model, requestedAt, generatedAt, leaseOwner, leaseUntil, context,
                from, attemptCount, since, followUp, lastFailure, attemptedAt, provider, providerReasons, attemptClaimedAt, unfinishedUpgrades);
    }

    /** The failed retry of a failed item: text, model and status stay; the attempt is recorded. */
    public ContentItem keptAfter(String failureReason, int attemptCount, Instant since, FollowUp next, Instant at) {
        return new ContentItem(key, status, text, model, requestedAt, generatedAt, null, null, context,
                upgradedFrom, attemptCount, since, next, failureReason, at, provider, providerReasons, attemptClaimedAt, 0);
    }

    /** This item as finished by an attempt that claimed it at {@code claimedAt}. */
    public ContentItem finishedByAttemptClaimedAt(Instant claimedAt) {
        return new ContentItem(key, status, text, model, requestedAt, generatedAt, leaseOwner, leaseUntil, context,
                upgradedFrom, attempts, attemptsSince, followUp, lastFailure, attemptedAt, provider, providerReasons, claimedAt, unfinishedUpgrades);
    }

    /** The reason this item holds its fallback ({@code model} without {@code fallback:}); empty when it does not. */
    public Optional<String> fallbackReason() {
        return model != null && model.startsWith(FALLBACK_PREFIX) ? Optional.of(model.substring(FALLBACK_PREFIX.length())) : Optional.empty();
    }

    public Optional<String> textIfFinished() {
        return Optional.ofNullable(text);
    }

    /** Whether a worker's lease on the item is still live at {@code now} (as the table's conditions see it). */
    public boolean leasedAt(Instant now) {
        return ItemLifecycle.leasedAt(this, now);
    }
}
