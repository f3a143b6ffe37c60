package dev.loresmith.generate;

import dev.loresmith.item.ContentItem;
import dev.loresmith.content.ContentRequest;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.item.FollowUp;
import dev.loresmith.storage.ContentStore;

import java.time.Clock;
import java.time.Instant;

/**
 * The last word on a request SQS gave up on. An item still {@code pending} (or never created) gets the
 * type's fallback with reason {@code dead_letter}; a {@code failed} item keeps its text. Either way the item
 * is marked for replay (README, "Runbook"), so fixing the cause and replaying regenerates it. A ready item
 * is left alone, and so is an item a live worker holds — that message is tried again later.
 */
public final class DeadLetterFallback {

    /** What the dead letter did to its item. */
    public enum Result {
        /** The item had no text: it now holds its fallback, marked for replay. */
        FALLBACK_WRITTEN,
        /** The item already held a fallback: it is now marked for replay. */
        MARKED_FOR_REPLAY,
        /** Ready, or already owing an upgrade or a replay: nothing to do. */
        NOTHING_TO_DO,
        /** A live worker holds the item: try again after its lease. */
        LEASED
    }

    private final ContentStore contents;
    private final Clock clock;

    public DeadLetterFallback(ContentStore contents, Clock clock) {
        this.contents = contents;
        this.clock = clock;
    }

    public Result apply(ContentRequest request) {
        Instant now = clock.instant();
        ContentItem item = contents.find(request.key())
                .orElseGet(() -> ContentItem.pending(request.key(), now, GenerateContent.storedContext(request.context())));
        if (item.status() == ContentStatus.READY) {
            return Result.NOTHING_TO_DO;
        }
        if (item.leasedAt(now)) {
            return Result.LEASED;
        }
        if (item.status() == ContentStatus.PENDING) {
            ContentItem failed = item.finished(ContentStatus.FAILED, request.type().fallbackFor(request.id()),
                            FallbackReason.DEAD_LETTER.model(), now)
                    .withFollowUp(new FollowUp(FollowUp.Kind.REPLAY, now));
            // Conditional: a worker that claims or finishes it meanwhile wins; a dead letter never overwrites text.
            if (contents.fallbackUnclaimed(failed, now)) {
                return Result.FALLBACK_WRITTEN;
            }
        }
        return switch (contents.markForReplay(request.key(), now)) {
            case MARKED -> Result.MARKED_FOR_REPLAY;
            case LEASED -> Result.LEASED;
            case NOTHING_TO_MARK -> Result.NOTHING_TO_DO;
        };
    }
}
