package dev.loresmith.generate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.Json;
import dev.loresmith.circuit.Admission;
import dev.loresmith.circuit.Circuit;
import dev.loresmith.content.ContentKey;
import dev.loresmith.content.ContentType;
import dev.loresmith.content.ContentTypes;
import dev.loresmith.content.RequestMessages;
import dev.loresmith.item.Claim;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.item.FollowUp;
import dev.loresmith.llm.Provider;
import dev.loresmith.log.ErrorSummary;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.queue.RequestQueue;
import dev.loresmith.storage.CircuitStore;
import dev.loresmith.storage.Config;
import dev.loresmith.storage.ContentStore;
import dev.loresmith.storage.ProviderConfig;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds items that owe a follow-up and puts them on the generate queue: due upgrades (run every minute,
 * and at once when the circuit half-opens or closes), and dead-lettered items when an operator replays them.
 *
 * <p>Upgrades go through the same queue — so the same concurrency bound — as fresh requests, and yield to
 * them: a sweep sends at most {@code maxPerSweep} less what is already waiting in the queue, and nothing
 * while the circuit is open, the shared throttle is in force or the budget is spent. While the circuit is
 * half-open it sends one: that upgrade becomes the probe that closes it.
 */
public final class FollowUpSweep {


    /** What a sweep did. {@code skipped} says why it sent nothing, or is null. */
    public record Result(int enqueued, String skipped) {
    }

    private final ContentStore contents;
    private final CircuitStore circuits;
    private final RequestQueue queue;
    private final ContentTypes types;
    private final Circuit circuit;
    private final int maxPerSweep;
    private final RequeuePolicy requeue;
    private final Clock clock;
    private final StructuredLog log;

    public FollowUpSweep(ContentStore contents, CircuitStore circuits, RequestQueue queue, ContentTypes types, Circuit circuit,
                         int maxPerSweep, RequeuePolicy requeue, Clock clock, StructuredLog log) {
        this.contents = contents;
        this.circuits = circuits;
        this.queue = queue;
        this.types = types;
        this.circuit = circuit;
        this.maxPerSweep = maxPerSweep;
        this.requeue = requeue;
        this.clock = clock;
        this.log = log;
    }

    /**
     * Enqueues due upgrades, if some provider can take them: its circuit admits a call and its throttle is not in force
     * (an upgrade goes down the same providers as a request). While any provider's circuit waits for its probe, one
     * upgrade is sent: it becomes the probe.
     */
    public Result upgrade() {
        Instant now = clock.instant();
        Config config = circuits.read().checkedAt(now);
        if (Gates.budgetSpent(config, now)) {
            return skipped("budget_exhausted");
        }
        boolean anyCall = false;
        boolean anyProbe = false;
        List<String> closedOff = new ArrayList<>();
        for (Provider provider : config.order()) {
            ProviderConfig own = config.provider(provider);
            Admission admission = circuit.admit(own.circuit(), now);
            if (admission instanceof Admission.Reject) {
                closedOff.add(provider.wireName() + " circuit " + own.circuit().effective().wireName());
            } else if (own.throttledAt(now)) {
                closedOff.add(provider.wireName() + " throttled");
            } else if (admission instanceof Admission.Probe || own.spendLimitCheckDue(now)) {
                // one upgrade: it becomes the probe, or the check of a passed spend-limit hold
                anyProbe = true;
            } else {
                anyCall = true;
            }
        }
        if (!anyCall && !anyProbe) {
            return skipped(String.join(", ", closedOff));
        }
        // A circuit waiting for its probe takes one upgrade, which becomes the probe (a request goes to such a provider
        // first): the rest follow when it closes (the bus rule sweeps again at once), not into a half-open circuit that
        // would turn all but one away, each spending one of its item's attempts.
        long room = anyCall && !anyProbe ? maxPerSweep - queue.backlog() : 1;
        if (room <= 0) {
            return skipped("queue_busy");
        }
        int sent = 0;
        for (ContentKey key : contents.dueFollowUps(FollowUp.Kind.UPGRADE, now, (int) room)) {
            if (!upgradesAllowed(key.contentType())) {
                // Written before its type was removed or opted out ("upgrade": false): it keeps the text it has.
                contents.clearFollowUp(key, FollowUp.Kind.UPGRADE);
                continue;
            }
            queue.send(RequestMessages.of(key, null), Claim.Kind.UPGRADE, now);
            sent++;
        }
        log.info("upgrade sweep", "enqueued", sent, "circuitState", config.provider(config.order().get(0)).circuit().effective().wireName());
        return new Result(sent, null);
    }

    /**
     * Re-enqueues up to {@code limit} dead-lettered items as requests, with the context they were requested with
     * (README, "Runbook": fix the cause first). Each is enqueued before its mark is cleared, so a failure between
     * the two replays it twice (harmless: the second finds it done) rather than never.
     */
    public Result replayDeadLetters(int limit) {
        int sent = 0;
        Instant now = clock.instant();
        // Items of a type no longer registered keep their mark (their type may come back) but must not fill the page:
        // the query asks for as many more as it has passed over.
        Set<ContentKey> passedOver = new HashSet<>();
        boolean more = true;
        while (more && sent < limit) {
            int asked = limit - sent + passedOver.size();
            List<ContentKey> due = contents.dueFollowUps(FollowUp.Kind.REPLAY, now, asked);
            more = due.size() == asked;
            boolean progress = false;
            for (ContentKey key : due) {
                if (passedOver.contains(key) || sent >= limit) {
                    continue;
                }
                if (types.find(key.contentType()).isEmpty()) {
                    log.warn("dead letter not replayed: content type no longer registered", "contentType", key.contentType());
                    passedOver.add(key);
                    progress = true;
                    continue;
                }
                ContentItem item = contents.find(key).orElse(null);
                if (item != null) {
                    queue.send(RequestMessages.of(key, context(item)), Claim.Kind.REQUEST, now);
                    sent++;
                }
                contents.clearFollowUp(key, FollowUp.Kind.REPLAY);
                progress = true;
            }
            more = more && progress;
        }
        log.info("dead letters replayed", "enqueued", sent);
        return new Result(sent, null);
    }

    /**
     * Puts pending items nobody finished back on the queue: a request whose message was never sent (its sender
     * died after writing the item), or whose worker and every redelivery were lost. Runs whatever the circuit's
     * state: the flow itself falls back when it must. Each is enqueued before its follow-up moves on.
     */
    public Result requeueStalled(int limit) {
        Instant now = clock.instant();
        int sent = 0;
        for (ContentKey key : contents.dueFollowUps(FollowUp.Kind.REQUEUE, now, limit)) {
            ContentItem item = contents.find(key).orElse(null);
            if (item == null) {
                continue;
            }
            if (item.status() != ContentStatus.PENDING) {
                contents.clearFollowUp(key, FollowUp.Kind.REQUEUE); // finished since
                continue;
            }
            if (types.find(key.contentType()).isEmpty() && !item.leasedAt(now)) {
                // Its type was removed: no message of it can be processed, and no fallback text exists for it. It is
                // closed as failed (an empty document) so that nothing stays pending, and marked for replay like every
                // dead_letter fallback: once the type is back, the replay generates it (and meanwhile the API shows
                // the type's fallback, and a request that falls back writes it).
                ContentItem closed = item.finished(ContentStatus.FAILED, "{}", FallbackReason.DEAD_LETTER.model(), now)
                        .withFollowUp(new FollowUp(FollowUp.Kind.REPLAY, now));
                if (contents.fallbackUnclaimed(closed, now)) {
                    log.warn("pending item of an unregistered content type closed", "contentType", key.contentType(),
                            "reason", FallbackReason.DEAD_LETTER.code());
                }
                continue;
            }
            if (item.leasedAt(now)) {
                contents.requeued(key, item.leaseUntil().plus(requeue.afterRequeue())); // a live worker has it
                continue;
            }
            queue.send(RequestMessages.of(key, context(item)), Claim.Kind.REQUEUE, now);
            contents.requeued(key, now.plus(requeue.afterRequeue()));
            sent++;
        }
        if (sent > 0) {
            log.warn("stalled pending items requeued", "enqueued", sent);
        }
        return new Result(sent, null);
    }

    private boolean upgradesAllowed(String contentType) {
        return types.find(contentType).map(ContentType::upgrade).orElse(false);
    }

    private JsonNode context(ContentItem item) {
        try {
            return item.context() == null ? null : Json.read(item.context());
        } catch (JsonProcessingException | RuntimeException e) {
            log.warn("stored context unreadable; replayed without it", "contentType", item.key().contentType(), "error", ErrorSummary.of(e));
            return null;
        }
    }

    private Result skipped(String why) {
        log.info("upgrade sweep skipped", "reason", why);
        return new Result(0, why);
    }
}
