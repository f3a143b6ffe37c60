package dev.loresmith.item;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import static dev.loresmith.item.ItemStates.KEY;
import static dev.loresmith.item.ItemStates.ME;
import static dev.loresmith.item.ItemStates.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The content item's lifecycle as tables: for each write, what it does from every state an item can be in. No
 * DynamoDB: storage renders the same guards ({@code GuardRenderingTest} checks the rendering agrees, state by state).
 */
class ItemLifecycleTest {

    /** Each state's row, in {@link ItemStates#all()} order. */
    private static void assertTable(String write, Function<Optional<ContentItem>, String> decision, String... expected) {
        Map<String, String> actual = new LinkedHashMap<>();
        ItemStates.all().forEach((state, item) -> actual.put(state, decision.apply(item)));
        Map<String, String> wanted = new LinkedHashMap<>();
        String[] states = ItemStates.all().keySet().toArray(String[]::new);
        for (int i = 0; i < states.length; i++) {
            wanted.put(states[i], expected[i]);
        }
        assertEquals(wanted, actual, write);
    }

    private static Function<Optional<ContentItem>, String> claim(Claim.Kind kind) {
        ContentItem ifAbsent = ContentItem.pending(KEY, NOW, null);
        return item -> ItemLifecycle.refusal(kind, item, NOW, ifAbsent).map(c -> c.getClass().getSimpleName()).orElse("claimed");
    }

    private static Function<Optional<ContentItem>, String> allowed(Guard guard) {
        return item -> guard.holds(item) ? "yes" : "no";
    }

    @Test
    @DisplayName("a request's claim takes anything not ready and not leased; a failed item keeps its text while leased")
    void requestClaim() {
        assertTable("claim(request)", claim(Claim.Kind.REQUEST),
                "claimed", "claimed", "claimed", "Leased", "Leased", "claimed", "Leased",
                "AlreadyFinished",
                "claimed", "claimed", "claimed", "claimed", "Leased", "Leased", "claimed",
                "claimed", "claimed", "claimed");
    }

    @Test
    @DisplayName("a request that says when it was made claims nothing an attempt begun after it has finished: a late message does nothing")
    void datedRequestClaim() {
        ContentItem ifAbsent = ContentItem.pending(KEY, NOW, null);
        assertTable("claim(request, requested 40 s ago)",
                item -> ItemLifecycle.refusal(Claim.Kind.REQUEST, item, NOW, ItemStates.REQUESTED, ifAbsent)
                        .map(c -> c.getClass().getSimpleName()).orElse("claimed"),
                "claimed", "claimed", "claimed", "Leased", "Leased", "claimed", "Leased",
                "AlreadyFinished",
                "claimed", "claimed", "claimed", "claimed", "Leased", "Leased", "claimed",
                "claimed", "claimed", "NotDue");
    }

    @Test
    @DisplayName("a requeue only takes a pending item: if the first message was only late, the second finds it done")
    void requeueClaim() {
        assertTable("claim(requeue)", claim(Claim.Kind.REQUEUE),
                "NotDue", "claimed", "claimed", "Leased", "Leased", "claimed", "Leased",
                "AlreadyFinished",
                "NotDue", "NotDue", "NotDue", "NotDue", "Leased", "Leased", "NotDue",
                "NotDue", "NotDue", "NotDue");
    }

    @Test
    @DisplayName("an upgrade only takes a failed item whose upgrade is due and that nobody holds")
    void upgradeClaim() {
        assertTable("claim(upgrade)", claim(Claim.Kind.UPGRADE),
                "NotDue", "NotDue", "NotDue", "NotDue", "NotDue", "NotDue", "NotDue",
                "AlreadyFinished",
                "NotDue", "claimed", "claimed", "NotDue", "NotDue", "NotDue", "NotDue",
                "NotDue", "NotDue", "NotDue");
    }

    @Test
    @DisplayName("only the lease holder finishes, even after its lease ran out, until another worker takes the item")
    void finish() {
        assertTable("finish(me)", allowed(ItemLifecycle.finishable(ME)),
                "no", "no", "no", "no", "yes", "no", "no", "no", "no", "no", "no", "no", "no", "yes", "no", "no", "no", "no");
    }

    @Test
    @DisplayName("a fallback nobody claimed (not_queued, dead_letter) only lands where there is no text and no live lease")
    void unclaimedFallback() {
        assertTable("fallback(unclaimed)", allowed(ItemLifecycle.unclaimedFallbackAllowed(NOW)),
                "yes", "yes", "yes", "no", "no", "yes", "no", "no", "no", "no", "no", "no", "no", "no", "no", "no", "no", "no");
    }

    @Test
    @DisplayName("a dead letter marks for replay a failed item that owes nothing else (a requeue is nothing owed); a live lease says try later")
    void markForReplay() {
        assertTable("mark(replay)", item -> ItemLifecycle.replayMarkable(NOW).holds(item) ? "MARKED" : ItemLifecycle.refusedMark(item, NOW).name(),
                "NOTHING_TO_MARK", "NOTHING_TO_MARK", "NOTHING_TO_MARK", "LEASED", "LEASED", "NOTHING_TO_MARK", "LEASED",
                "NOTHING_TO_MARK",
                "MARKED", "NOTHING_TO_MARK", "NOTHING_TO_MARK", "NOTHING_TO_MARK", "LEASED", "LEASED", "NOTHING_TO_MARK",
                "MARKED", "MARKED", "MARKED");
    }

    @Test
    @DisplayName("a request recorded by the API only creates; the sweep's requeue moves on only while pending")
    void requestAndRequeue() {
        assertTable("request", allowed(ItemLifecycle.requestable()),
                "yes", "no", "no", "no", "no", "no", "no", "no", "no", "no", "no", "no", "no", "no", "no", "no", "no", "no");
        assertTable("requeued", allowed(ItemLifecycle.requeueMovable()),
                "no", "no", "yes", "no", "no", "no", "no", "no", "no", "no", "no", "no", "no", "no", "no", "no", "no", "no");
        assertTable("clear(upgrade)", allowed(ItemLifecycle.followUpClearable(FollowUp.Kind.UPGRADE)),
                "no", "no", "no", "no", "no", "no", "no", "no", "no", "yes", "yes", "yes", "yes", "no", "no", "no", "no", "no");
    }

    @Test
    @DisplayName("a refused finish that finds its own write (the SDK repeated a write that landed) is committed, anything else lost")
    void refusedFinish() {
        ContentItem leased = ItemStates.all().get("pending, leased by me").orElseThrow();
        ContentItem written = leased.finished(ContentStatus.READY, "{\"title\":\"T\",\"description\":\"D\"}", "claude-sonnet-4-5", NOW);
        assertEquals(true, ItemLifecycle.writtenAlready(Optional.of(written), written));
        assertEquals(false, ItemLifecycle.writtenAlready(Optional.of(leased), written), "still leased: not written");
        assertEquals(false, ItemLifecycle.writtenAlready(Optional.of(written.finished(ContentStatus.READY, "{}", "other", NOW)), written));
        assertEquals(false, ItemLifecycle.writtenAlready(Optional.empty(), written));
    }
}
