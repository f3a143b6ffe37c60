package dev.loresmith.generate;

import dev.loresmith.content.ContentItem;
import dev.loresmith.content.ContentRequest;
import dev.loresmith.content.ContentStatus;
import dev.loresmith.storage.ContentStore;

import java.time.Clock;
import java.time.Instant;

/**
 * The last word on a request SQS gave up on: if its item is still {@code pending} (or was never
 * created), it gets the type's fallback with reason {@code dead_letter}. Finished items are left alone.
 */
public final class DeadLetterFallback {

    private final ContentStore contents;
    private final Clock clock;

    public DeadLetterFallback(ContentStore contents, Clock clock) {
        this.contents = contents;
        this.clock = clock;
    }

    /** Returns whether the fallback was written. */
    public boolean apply(ContentRequest request) {
        Instant now = clock.instant();
        ContentItem item = contents.find(request.key())
                .orElseGet(() -> new ContentItem(request.key(), ContentStatus.PENDING, null, null, now, null, null, null));
        if (item.status() != ContentStatus.PENDING) {
            return false;
        }
        ContentItem failed = item.finished(ContentStatus.FAILED, request.type().fallbackFor(request.id()),
                FallbackReason.DEAD_LETTER.model(), now);
        // Conditional: a worker that finishes meanwhile wins; a dead letter never overwrites real text.
        return contents.finishIfPending(failed);
    }
}
