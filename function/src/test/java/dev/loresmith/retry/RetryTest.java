package dev.loresmith.retry;

import dev.loresmith.testing.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryTest {

    @ParameterizedTest(name = "after attempt {0}: {1} ms")
    @CsvSource({"1, 100", "2, 200", "3, 400", "4, 800", "5, 1000", "40, 1000"})
    void backoffDoublesUpToItsCap(int attempt, long millis) {
        RetryPolicy policy = RetryPolicy.attempts(50).backoff(Duration.ofMillis(100), Duration.ofSeconds(1));
        assertEquals(Duration.ofMillis(millis), policy.pauseAfter(attempt));
    }

    @Test
    void jitterDrawsWithinTheCeiling() {
        RetryPolicy policy = RetryPolicy.attempts(5).backoff(Duration.ofMillis(10), Duration.ofMillis(200)).withJitter();
        for (int attempt = 1; attempt <= 5; attempt++) {
            for (int i = 0; i < 200; i++) {
                long millis = policy.pauseAfter(attempt).toMillis();
                assertTrue(millis >= 1 && millis <= policy.ceilingAfter(attempt).toMillis(), attempt + ": " + millis
                        + " (never none: a resend after a back-off always pauses first)");
            }
        }
    }

    @Test
    void subMillisecondCeilingIsKept() {
        RetryPolicy policy = RetryPolicy.attempts(3).backoff(Duration.ofNanos(500_000), Duration.ofNanos(500_000)).withJitter();
        assertEquals(Duration.ofNanos(500_000), policy.pauseAfter(1), "no draw from an empty range, never above the ceiling");
    }

    @Test
    void noBackoffMeansAtOnce() {
        assertEquals(Duration.ZERO, RetryPolicy.attempts(3).pauseAfter(2));
    }

    @Test
    void badPoliciesNameTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RetryPolicy.attempts(0));
        assertTrue(e.getMessage().contains("got 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RetryPolicy.attempts(2).backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    }

    @Test
    void triesUntilDoneAndPausesBetween() {
        List<Duration> pauses = new ArrayList<>();
        Retry retry = new Retry(RetryPolicy.attempts(5).backoff(Duration.ofMillis(10), Duration.ofMillis(100)), pauses::add,
                MutableClock.at("2026-01-01T00:00:00Z"));
        String result = retry.run(n -> n < 3 ? Retry.Step.again(() -> "gave up") : Retry.Step.done("done at " + n));
        assertEquals("done at 3", result);
        assertEquals(List.of(Duration.ofMillis(10), Duration.ofMillis(20)), pauses);
    }

    @Test
    void spentAttemptsGiveTheLastStepsAnswer() {
        int[] calls = {0};
        Retry retry = new Retry(RetryPolicy.attempts(3), Pause.NONE, MutableClock.at("2026-01-01T00:00:00Z"));
        assertEquals("gave up after 3", retry.run(n -> {
            calls[0]++;
            return Retry.Step.again(() -> "gave up after " + n);
        }));
        assertEquals(3, calls[0]);
        RuntimeException failure = new IllegalStateException("conflict");
        assertEquals(failure, assertThrows(IllegalStateException.class, () -> retry.run(n -> Retry.Step.againOrThrow(failure))));
    }

    @Test
    void stopsRatherThanPauseBeyondTheDeadline() {
        MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
        List<Duration> pauses = new ArrayList<>();
        Retry retry = new Retry(RetryPolicy.attempts(10).backoff(Duration.ofSeconds(1), Duration.ofSeconds(8)), d -> {
            pauses.add(d);
            clock.advance(d);
        }, clock);
        Instant deadline = clock.instant().plusSeconds(4);
        int[] attempts = {0};
        assertEquals("late", retry.run(deadline, n -> {
            attempts[0]++;
            return Retry.Step.again(() -> "late");
        }));
        // 1 s, then 2 s (at 3 s); the 4 s pause would end at 7 s, past the deadline
        assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2)), pauses);
        assertEquals(3, attempts[0]);
        assertFalse(clock.instant().isAfter(deadline));
    }
}
