package dev.loresmith.storage;

import dev.loresmith.content.ContentKey;
import dev.loresmith.generate.FallbackReason;
import dev.loresmith.generate.GenerateSettings;
import dev.loresmith.generate.Outcome;
import dev.loresmith.item.Claim;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.item.ItemLifecycle.Mark;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FlowTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.TransactionConflictException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every write to a content item respects a live lease held by another worker: one worker per item at a time. */
class LeaseTest extends FlowTest {

    ContentKey key() {
        return h.request("quest_description", "5", null).key();
    }

    Instant leasedBy(String worker) {
        Duration lease = GenerateSettings.DEFAULTS.lease();
        h.contents.claim(key(), Claim.Kind.REQUEST, null, worker, h.now(), h.now().plus(lease), null, h.now().plus(Duration.ofMinutes(20)));
        return h.now().plus(lease);
    }

    ContentItem fallback(FallbackReason reason) {
        return ContentItem.pending(key(), h.now(), null).finished(ContentStatus.FAILED, "{\"title\":\"A Call\",\"description\":\"x\"}",
                reason.model(), h.now());
    }

    @Test
    @DisplayName("a not_queued or dead_letter fallback never takes an item from a live worker; after its lease it may")
    void unclaimedFallbacksWaitForTheLease() {
        Instant leaseEnd = leasedBy("live-worker");

        assertFalse(h.contents.fallbackUnclaimed(fallback(FallbackReason.NOT_QUEUED), h.now()));
        assertFalse(h.contents.fallbackUnclaimed(fallback(FallbackReason.DEAD_LETTER), leaseEnd.minusMillis(1)));
        assertEquals("live-worker", h.item("quest_description", 5).leaseOwner());
        assertEquals(ContentStatus.PENDING, h.item("quest_description", 5).status());

        assertTrue(h.contents.fallbackUnclaimed(fallback(FallbackReason.DEAD_LETTER), leaseEnd.plusMillis(1)));
        assertEquals("fallback:dead_letter", h.item("quest_description", 5).model());
    }

    @Test
    @DisplayName("a result write repeated after it landed (the SDK retrying a timed-out request) reports committed, not lease lost")
    void repeatedWriteIsCommitted() {
        leasedBy("worker");
        ContentItem ready = ContentItem.pending(key(), h.now(), null).finished(ContentStatus.READY, FakeAnthropic.QUEST_JSON, "m", h.now());

        assertEquals(ContentStore.Commit.COMMITTED, h.contents.finish(ready, "worker", List.of()));
        assertEquals(ContentStore.Commit.COMMITTED, h.contents.finish(ready, "worker", List.of()), "the same write again");

        ContentItem other = ContentItem.pending(key(), h.now(), null).finished(ContentStatus.READY, FakeAnthropic.QUEST_JSON, "m", h.now().plusMillis(1));
        assertEquals(ContentStore.Commit.LEASE_LOST, h.contents.finish(other, "worker", List.of()), "a different write is refused");
    }

    @Test
    @DisplayName("a worker whose lease was taken over after it ran out cannot write its late result over the new holder's")
    void lateWorkerLosesItsWrite() {
        leasedBy("slow-worker");
        h.clock.advance(Duration.ofMinutes(3));
        assertInstanceOf(Claim.Claimed.class, h.contents.claim(key(), Claim.Kind.REQUEST, null, "new-worker", h.now(), h.now().plusSeconds(120), null, h.now().plus(Duration.ofMinutes(20))));

        ContentItem late = ContentItem.pending(key(), h.now(), null).finished(ContentStatus.READY, FakeAnthropic.QUEST_JSON, "m", h.now());

        assertEquals(ContentStore.Commit.LEASE_LOST, h.contents.finish(late, "slow-worker", List.of()));
        assertEquals("new-worker", h.item("quest_description", 5).leaseOwner());
        assertEquals(ContentStatus.PENDING, h.item("quest_description", 5).status());
    }

    @Test
    @DisplayName("a claim never takes an item from a live lease: the duplicate makes no API call and is kept for retry")
    void claimRespectsLease() {
        leasedBy("live-worker");
        anthropic.replies(FakeAnthropic.QUEST_JSON);

        Outcome outcome = h.generate("quest_description", 5);

        assertTrue(outcome instanceof Outcome.Duplicate d && d.retryLater());
        assertEquals(0, anthropic.requestCount());
    }

    @Test
    @DisplayName("a replay mark is not set on an item a live worker holds")
    void replayMarkRespectsLease() {
        h.withApiKey(null);
        h.generate("quest_description", 5); // failed, no_config
        h.contents.claim(key(), Claim.Kind.REQUEST, null, "live-worker", h.now(), h.now().plusSeconds(120), null, h.now().plus(Duration.ofMinutes(20)));

        assertEquals(Mark.LEASED, h.contents.markForReplay(key(), h.now()));
    }

    @Test
    @DisplayName("a claim that meets a transaction in flight on the item (TransactionConflictException) is tried again")
    void conflictingClaimRetried() {
        h.dynamoFaults.failNext(UpdateItemRequest.class, 2, () -> TransactionConflictException.builder().message("injected").build());
        anthropic.replies(FakeAnthropic.QUEST_JSON);

        assertInstanceOf(Outcome.Ready.class, h.generate("quest_description", 5));
        assertEquals(2, h.dynamoFaults.injected());
    }

    @Test
    @DisplayName("a conflict that outlasts the retries fails the claim loudly (the message is retried), writing nothing")
    void conflictOutlastsRetries() {
        h.dynamoFaults.failNext(UpdateItemRequest.class, 100, () -> TransactionConflictException.builder().message("injected").build());

        assertThrows(TransactionConflictException.class, () -> h.generate("quest_description", 5));
        assertEquals(Conflicts.POLICY.maxAttempts(), h.dynamoFaults.injected());
        assertEquals(0, anthropic.requestCount());
    }

    @Test
    @DisplayName("the throttle and probe writes on the config item are tried again on a conflict too")
    void conflictingConfigWritesRetried() {
        h.dynamoFaults.failNext(UpdateItemRequest.class, 2, () -> TransactionConflictException.builder().message("injected").build());

        assertTrue(h.circuits.throttleUntil(dev.loresmith.llm.Provider.ANTHROPIC, h.now().plusSeconds(10), "rate_limited", ProviderConfig.implausibleThrottleAfter(h.now())));
        assertEquals(h.now().plusSeconds(10), h.providerConfig().throttledUntil());
        assertFalse(h.circuits.throttleUntil(dev.loresmith.llm.Provider.ANTHROPIC, h.now().plusSeconds(5), "rate_limited", ProviderConfig.implausibleThrottleAfter(h.now())), "never moved back");
        assertEquals(h.now().plusSeconds(10), h.providerConfig().throttledUntil());
    }
}
