package dev.loresmith.retry;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How a loop tries again — the one vocabulary every retrying loop of Loresmith uses: at most
 * {@code maxAttempts} attempts; after attempt {@code n} fails, a pause of {@code firstDelay × 2^(n−1)}, never
 * more than {@code maxDelay}; with {@code jitter}, a uniformly random part of that pause instead ("full
 * jitter"), so instances that collided do not collide again in step. Immutable; build with {@link #attempts}.
 *
 * <p>The jitter mixes {@code System.nanoTime()} into {@link ThreadLocalRandom}: instances restored from one
 * SnapStart snapshot start with the same random state, and would otherwise draw the same pauses.
 *
 * @param maxAttempts attempts in all, the first included (1: no retry)
 * @param firstDelay  the pause after the first failed attempt (zero: retry at once)
 * @param maxDelay    the longest pause
 * @param jitter      whether a pause is drawn uniformly from zero to its exponential value
 */
public record RetryPolicy(int maxAttempts, Duration firstDelay, Duration maxDelay, boolean jitter) {

    public RetryPolicy {
        Objects.requireNonNull(firstDelay, "firstDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
        }
        if (firstDelay.isNegative() || maxDelay.compareTo(firstDelay) < 0) {
            throw new IllegalArgumentException("need 0 <= firstDelay <= maxDelay, got " + firstDelay + " and " + maxDelay);
        }
    }

    /** {@code n} attempts in all, retried at once; add a pause with {@link #backoff} and {@link #withJitter}. */
    public static RetryPolicy attempts(int n) {
        return new RetryPolicy(n, Duration.ZERO, Duration.ZERO, false);
    }

    /** This policy pausing {@code first}, doubling up to {@code max}, after each failed attempt. */
    public RetryPolicy backoff(Duration first, Duration max) {
        return new RetryPolicy(maxAttempts, first, max, jitter);
    }

    /** This policy with full jitter. */
    public RetryPolicy withJitter() {
        return new RetryPolicy(maxAttempts, firstDelay, maxDelay, true);
    }

    /** This policy with {@code n} attempts in all. */
    public RetryPolicy withAttempts(int n) {
        return new RetryPolicy(n, firstDelay, maxDelay, jitter);
    }

    /** Whether another attempt may follow attempt {@code attempt} (1-based). */
    public boolean allowsAfter(int attempt) {
        return attempt < maxAttempts;
    }

    /** The exponential pause after attempt {@code attempt} (1-based) failed, before any jitter. */
    public Duration ceilingAfter(int attempt) {
        if (firstDelay.isZero()) {
            return Duration.ZERO;
        }
        int doublings = Math.min(Math.max(attempt, 1) - 1, 30);
        long millis = firstDelay.toMillis() << doublings;
        return millis <= 0 || millis > maxDelay.toMillis() ? maxDelay : Duration.ofMillis(millis);
    }

    /**
     * The pause after attempt {@code attempt} (1-based) failed: its ceiling, or with jitter a random part of it — from
     * 1 ms up to the ceiling, never none: a policy with a back-off always pauses before it tries again.
     */
    public Duration pauseAfter(int attempt) {
        Duration ceiling = ceilingAfter(attempt);
        if (!jitter || ceiling.toMillis() == 0) {
            return ceiling; // none, or under a millisecond: nothing to draw from
        }
        long random = ThreadLocalRandom.current().nextLong() ^ System.nanoTime();
        return Duration.ofMillis(1 + Math.floorMod(random, ceiling.toMillis()));
    }
}
