package dev.loresmith.generate;

import dev.loresmith.content.ContentId;
import dev.loresmith.content.ContentKey;
import dev.loresmith.content.ContentType;
import dev.loresmith.content.ContentTypes;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.item.FollowUp;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When a fallback is tried again — the upgrade rule as a table, without DynamoDB. */
class UpgradePolicyTest {

    static final UpgradePolicy POLICY = UpgradePolicy.DEFAULTS;
    static final ContentType QUEST = ContentTypes.bundled().find("quest_description").orElseThrow();
    static final Instant FELL_BACK = Instant.parse("2026-11-25T10:00:00Z");
    static final ContentItem FAILED = ContentItem.pending(new ContentKey("quest_description", ContentId.parse("1")), FELL_BACK, null)
            .finished(ContentStatus.FAILED, "{}", "fallback:circuit_open", FELL_BACK);

    @ParameterizedTest(name = "{0} after {1} attempt(s) -> {2}")
    @CsvSource({
            "circuit_open,       0, PT1M",
            "circuit_open,       1, PT5M",
            "circuit_open,       2, PT25M",
            "circuit_open,       3, PT24H",
            "network_error,      0, PT1M",
            "api_error_503,      0, PT1M",
            "api_error_400,      0, never",
            "rate_limited,       0, PT1M",
            "config_unavailable, 0, PT1M",
            "no_time,            0, PT1M",
            "not_queued,         0, PT1M",
            "invalid_json,       0, PT1M",
            "invalid_json,       1, never",
            "no_config,          0, never",
            "budget_exhausted,   0, never",
            "refused,            0, never",
            "truncated,          0, never",
            "dead_letter,        0, never"})
    void theRule(String code, int attempts, String after) {
        FallbackReason reason = FallbackReason.parse(code).orElseThrow();
        FollowUp next = POLICY.after(QUEST, FAILED, reason, attempts, attempts == 0 ? null : FELL_BACK, FELL_BACK, null);
        if (after.equals("never")) {
            assertNull(next, code);
        } else {
            assertEquals(new FollowUp(FollowUp.Kind.UPGRADE, FELL_BACK.plus(Duration.parse(after))), next, code);
        }
    }

    @ParameterizedTest(name = "holding {0}, an attempt that met {1} after {2} attempt(s) -> {3}")
    @CsvSource({
            "api_error_503,  budget_exhausted, 1, PT5M",
            "api_error_503,  no_config,        1, PT5M",
            "api_error_503,  api_error_400,    1, PT5M",
            "api_error_503,  refused,          1, PT5M",
            "api_error_503,  truncated,        2, PT25M",
            "circuit_open,   refused,          3, PT24H",
            "refused,        api_error_503,    0, PT1M",
            "refused,        truncated,        0, never",
            "no_config,      budget_exhausted, 1, never",
            "invalid_json,   invalid_json,     1, never",
            "invalid_json,   refused,          0, PT1M",
            "dead_letter,    no_config,        0, never"})
    @DisplayName("a kept fallback: still owed when the fallback it keeps, or what the attempt met, allows it")
    void keptFallback(String held, String met, int attempts, String after) {
        ContentItem kept = FAILED.withUpgrade(null, attempts, attempts == 0 ? null : FELL_BACK);
        kept = new ContentItem(kept.key(), kept.status(), kept.text(), "fallback:" + held, kept.requestedAt(), kept.generatedAt(), null, null,
                null, null, attempts, kept.attemptsSince(), null, null, null, null, null, null, 0);
        FollowUp next = POLICY.afterKept(QUEST, kept, List.of(FallbackReason.parse(met).orElseThrow()), attempts,
                attempts == 0 ? null : FELL_BACK, FELL_BACK, null);
        if (after.equals("never")) {
            assertNull(next, held + " / " + met);
        } else {
            assertEquals(new FollowUp(FollowUp.Kind.UPGRADE, FELL_BACK.plus(Duration.parse(after))), next, held + " / " + met);
        }
    }

    @Test
    @DisplayName("a kept fallback's providers count too: a primary no_config beside a Bedrock api_error_503 is still owed")
    void keptProviderReasons() {
        ContentItem kept = ContentItem.pending(FAILED.key(), FELL_BACK, null)
                .finished(ContentStatus.FAILED, "{}", "fallback:no_config", FELL_BACK)
                .withProviderReasons(Map.of("anthropic", "no_config", "bedrock", "api_error_503"));
        assertEquals(new FollowUp(FollowUp.Kind.UPGRADE, FELL_BACK.plus(Duration.ofMinutes(5))),
                POLICY.afterKept(QUEST, kept, List.of(FallbackReason.BUDGET_EXHAUSTED), 1, FELL_BACK, FELL_BACK, null));
    }

    @Test
    @DisplayName("never after seven days, and never earlier than the shared throttle lifts")
    void limits() {
        assertNull(POLICY.after(QUEST, FAILED, FallbackReason.CIRCUIT_OPEN, 1, FELL_BACK, FELL_BACK.plus(POLICY.giveUpAfter()).plusSeconds(1), null));
        Instant throttled = FELL_BACK.plus(Duration.ofMinutes(10));
        assertEquals(new FollowUp(FollowUp.Kind.UPGRADE, throttled),
                POLICY.after(QUEST, FAILED, FallbackReason.RATE_LIMITED, 0, null, FELL_BACK, throttled));
    }

    static ContentItem claimedWith(int unfinished) {
        ContentItem i = FAILED;
        return new ContentItem(i.key(), i.status(), i.text(), i.model(), i.requestedAt(), i.generatedAt(), "me", FELL_BACK.plusSeconds(120),
                null, null, 0, null, null, null, null, null, null, null, unfinished);
    }

    @ParameterizedTest(name = "claim #{0} in a row, {1} after the fallback -> {2}")
    @CsvSource({
            "1, PT1M,        call",
            "3, PT1H,        call",
            "4, PT1H,        PT25H",
            "9, PT2H,        PT26H",
            "4, P6DT23H,     never",
            "1, P7DT1S,      never"})
    @DisplayName("before an upgrade calls: given up after 7 days; after 3 attempts in a row that never finished, none for a day")
    void beforeCall(int claims, String since, String after) {
        Instant now = FELL_BACK.plus(Duration.parse(since));
        Optional<UpgradePolicy.Stop> stop = POLICY.beforeCall(claimedWith(claims), now);
        if (after.equals("call")) {
            assertEquals(Optional.empty(), stop);
        } else if (after.equals("never")) {
            assertNull(stop.orElseThrow().next());
        } else {
            assertEquals(new FollowUp(FollowUp.Kind.UPGRADE, FELL_BACK.plus(Duration.parse(after))), stop.orElseThrow().next());
        }
    }

    /**
     * Every attempt an item that keeps failing gets, as the policy schedules them, each {@code lateBy(n)} after it is
     * due (the sweep held back by an open circuit, say).
     */
    static List<Instant> attemptsOfAFailingItem(IntFunction<Duration> lateBy) {
        List<Instant> attempts = new ArrayList<>();
        ContentItem item = FAILED;
        FollowUp next = POLICY.after(QUEST, item, FallbackReason.CIRCUIT_OPEN, 0, null, FELL_BACK, null);
        while (next != null && attempts.size() < 100) {
            Instant now = next.at().plus(lateBy.apply(attempts.size()));
            int count = POLICY.attemptsAfter(item, now);
            Instant since = POLICY.windowStart(item, now);
            attempts.add(now);
            item = item.keptAfter("api_error_503", count, since, null, now);
            next = POLICY.afterKept(QUEST, item, List.of(FallbackReason.apiError(503)), count, since, now, null);
        }
        return attempts;
    }

    static int mostInAny24Hours(List<Instant> attempts) {
        int most = 0;
        for (Instant start : attempts) {
            most = Math.max(most, (int) attempts.stream().filter(a -> !a.isBefore(start) && a.isBefore(start.plus(Duration.ofHours(24)))).count());
        }
        return most;
    }

    @Test
    @DisplayName("the 24 h window is fixed, from its first attempt: 3 per window, 21 in the 7 days; 3 in any 24 h on time, at most 5 when held back")
    void fixedWindow() {
        List<Instant> onTime = attemptsOfAFailingItem(n -> Duration.ZERO);
        assertEquals(21, onTime.size(), "3 in each of 7 windows, then given up");
        assertEquals(3, mostInAny24Hours(onTime), "the back-off (1, 5, 25 min) puts a window's 3 at its start");

        // The worst case: a window's 2nd attempt held back to near its end (the 3rd follows 25 min later, still inside
        // it), the next window's 3 on time. A window starts at its first attempt and the next one 24 h later or more,
        // so no 24 h hold more than a window's last 2 and the next one's 3.
        List<Instant> heldBack = attemptsOfAFailingItem(n -> n == 1 ? Duration.ofHours(23).plusMinutes(25) : Duration.ZERO);
        assertEquals(5, mostInAny24Hours(heldBack), "a window's last 2 and the next one's 3");
        assertTrue(heldBack.size() <= 21);
    }

    @Test
    @DisplayName("a type that opted out is never upgraded")
    void optedOut() {
        ContentType frozen = new ContentType(QUEST.name(), QUEST.taskPrompt(), QUEST.fields(), QUEST.fallbacks(), false);
        assertNull(POLICY.after(frozen, FAILED, FallbackReason.CIRCUIT_OPEN, 0, null, FELL_BACK, null));
    }

    @Test
    @DisplayName("the attempt window slides to a new one once 24 hours have passed")
    void window() {
        ContentItem tried = FAILED.withUpgrade(null, 3, FELL_BACK);
        assertEquals(4, POLICY.attemptsAfter(tried, FELL_BACK.plus(Duration.ofHours(23))));
        assertEquals(1, POLICY.attemptsAfter(tried, FELL_BACK.plus(POLICY.window())));
        assertEquals(FELL_BACK.plus(POLICY.window()), POLICY.windowStart(tried, FELL_BACK.plus(POLICY.window())));
    }
}
