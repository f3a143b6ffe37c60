package dev.loresmith.generate;

import dev.loresmith.aws.CallTimeouts;
import dev.loresmith.item.Claim;
import dev.loresmith.item.ContentItem;
import dev.loresmith.content.ContentRequest;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.content.RequestMessages;
import dev.loresmith.log.ErrorSummary;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.queue.RequestQueue;
import dev.loresmith.retry.Pause;
import dev.loresmith.retry.Retry;
import dev.loresmith.retry.RetryPolicy;
import dev.loresmith.storage.ContentStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A request from the HTTP API: record it, put it on the generate queue, and — for {@code "wait": true} —
 * watch the item until the queue's worker has finished it or time is up. The API never calls the model
 * itself: every call goes through the queue, so one concurrency bound ({@code MaxConcurrency}) covers every
 * path, and a request is durable (a queued message) before anyone works on it.
 */
public final class RequestContent {

    /** Clocks of two Lambda instances may disagree by a little: an attempt this close before acceptance counts. */
    static final Duration CLOCK_TOLERANCE = Duration.ofSeconds(1);
    /** A waiting request reads the item again after 100 ms, doubling to 1 s, until its deadline. */
    static final RetryPolicy POLL = RetryPolicy.attempts(Integer.MAX_VALUE).backoff(Duration.ofMillis(100), Duration.ofSeconds(1));

    /** {@code queued} false when the queue could not take it (the item then holds its {@code not_queued} fallback, if it had no text). */
    public record Accepted(ContentItem item, boolean queued, Instant at) {
    }

    private final ContentStore contents;
    private final RequestQueue queue;
    private final UpgradePolicy upgrades;
    private final RequeuePolicy requeue;
    private final Clock clock;
    private final Pause pause;
    private final StructuredLog log;

    public RequestContent(ContentStore contents, RequestQueue queue, UpgradePolicy upgrades, RequeuePolicy requeue, Clock clock, Pause pause,
                          StructuredLog log) {
        this.contents = contents;
        this.queue = queue;
        this.upgrades = upgrades;
        this.requeue = requeue;
        this.clock = clock;
        this.pause = pause;
        this.log = log;
    }

    /**
     * Records the request (a new item is {@code pending}; an existing one is left as it is) and enqueues it,
     * unless it is ready already or a live worker is generating it (that worker's message finishes it). Every call it
     * makes ends by {@code answerBy}: the caller's answer is due then.
     */
    public Accepted accept(ContentRequest request, Instant answerBy) {
        Instant now = clock.instant();
        ContentStore contents = this.contents.within(answerBy, clock);
        ContentItem item = contents.request(request.key(), now, GenerateContent.storedContext(request.context()), now.plus(requeue.afterRequest()));
        if (item.status() == ContentStatus.READY || (item.status() == ContentStatus.PENDING && item.leasedAt(now))) {
            return new Accepted(item, true, now);
        }
        try {
            queue.send(RequestMessages.of(request.key(), request.context()), Claim.Kind.REQUEST, now, Duration.between(clock.instant(), answerBy));
            return new Accepted(item, true, now);
        } catch (RuntimeException e) {
            log.error("enqueue failed", "contentType", request.type().name(), "contentId", request.id().toString(),
                    "error", ErrorSummary.of(e));
        }
        // Nothing will generate it: give an item without text its fallback now rather than leave it pending;
        // the upgrade sweep replaces it once generation works. An item with text keeps it.
        if (item.status() == ContentStatus.PENDING) {
            Instant at = clock.instant();
            ContentItem failed = item.finished(ContentStatus.FAILED, request.type().fallbackFor(request.id()),
                    FallbackReason.NOT_QUEUED.model(), at);
            failed = failed.withFollowUp(upgrades.after(request.type(), failed, FallbackReason.NOT_QUEUED, 0, null, at, null));
            if (contents.fallbackUnclaimed(failed, at)) {
                return new Accepted(failed, false, now);
            }
            return new Accepted(contents.find(request.key()).orElse(item), false, now);
        }
        return new Accepted(item, false, now);
    }

    /**
     * Watches the item (strongly consistent reads, backing off from 100 ms to 1 s) until it is settled — ready,
     * or a fallback from an attempt that ended after the request — or {@code deadline} passes. Every read is cut to
     * the time left, so a read that hangs ends by the deadline too; none starts with too little left. Returns the item
     * as last read; a read that fails is skipped, never thrown (the request is already recorded and queued).
     */
    public ContentItem await(Accepted accepted, Instant deadline) {
        ContentItem[] item = {accepted.item()};
        ContentStore contents = this.contents.within(deadline, clock);
        return new Retry(POLL, pause, clock).run(deadline, attempt -> {
            if (attempt > 1 && CallTimeouts.worthStarting(Duration.between(clock.instant(), deadline))) {
                try {
                    item[0] = contents.find(item[0].key()).orElse(item[0]);
                } catch (RuntimeException e) {
                    // The request is recorded and queued already: a failed read must not turn it into an error answer
                    // (a client would send it again). Keep watching; at the deadline the caller answers 202 with its URL.
                    log.warn("wait read failed", "contentType", item[0].key().contentType(), "error", ErrorSummary.of(e));
                }
            }
            ContentItem seen = item[0];
            return settled(seen, accepted.at(), clock.instant()) ? Retry.Step.done(seen) : Retry.Step.again(() -> seen);
        });
    }

    /** Whether the item holds the answer to a request made at {@code since}. */
    public static boolean settled(ContentItem item, Instant since, Instant now) {
        if (item.status() == ContentStatus.READY) {
            return true;
        }
        return item.status() == ContentStatus.FAILED && !item.leasedAt(now) && item.attemptedAt() != null
                && !item.attemptedAt().isBefore(since.minus(CLOCK_TOLERANCE));
    }
}
