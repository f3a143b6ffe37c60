package dev.loresmith.retry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Runs an attempt under a {@link RetryPolicy}: again after each {@link Step.Again}, pausing as the policy says,
 * until it is {@link Step.Done}, the attempts are spent, or the next attempt could not start before the deadline.
 * When it stops without a result, the last {@code Again}'s {@code exhausted} decides: a value, or an exception.
 */
public final class Retry {

    /** One attempt; {@code number} counts from 1. */
    @FunctionalInterface
    public interface Attempt<T> {
        Step<T> run(int number);
    }

    /** What one attempt came to. */
    public sealed interface Step<T> {

        /** Finished, with this result. */
        record Done<T>(T value) implements Step<T> {
        }

        /** Worth trying again; {@code exhausted} is the result (or throws) if no attempt may follow. */
        record Again<T>(Supplier<T> exhausted) implements Step<T> {
        }

        static <T> Step<T> done(T value) {
            return new Done<>(value);
        }

        static <T> Step<T> again(Supplier<T> exhausted) {
            return new Again<>(exhausted);
        }

        /** Worth trying again; if no attempt may follow, {@code failure} is thrown. */
        static <T> Step<T> againOrThrow(RuntimeException failure) {
            return new Again<>(() -> {
                throw failure;
            });
        }
    }

    private final RetryPolicy policy;
    private final Pause pause;
    private final Clock clock;

    public Retry(RetryPolicy policy, Pause pause, Clock clock) {
        this.policy = policy;
        this.pause = pause;
        this.clock = clock;
    }

    /**
     * Up to {@code attempts} attempts with no pause between them: for a loop that re-reads what changed under it and
     * decides again (a conditional write that lost a race), where waiting buys nothing.
     */
    public static Retry atOnce(int attempts) {
        return new Retry(RetryPolicy.attempts(attempts), Pause.NONE, Clock.systemUTC());
    }

    public RetryPolicy policy() {
        return policy;
    }

    /** Runs {@code attempt} until done or the policy's attempts are spent. */
    public <T> T run(Attempt<T> attempt) {
        return run(Instant.MAX, attempt);
    }

    /** Runs {@code attempt} until done, the attempts are spent, or the pause before the next would pass {@code deadline}. */
    public <T> T run(Instant deadline, Attempt<T> attempt) {
        for (int number = 1; ; number++) {
            Step<T> step = attempt.run(number);
            if (step instanceof Step.Done<T> done) {
                return done.value();
            }
            Step.Again<T> again = (Step.Again<T>) step;
            if (!policy.allowsAfter(number)) {
                return again.exhausted().get();
            }
            Duration wait = policy.pauseAfter(number);
            if (!deadline.equals(Instant.MAX) && clock.instant().plus(wait).isAfter(deadline)) {
                return again.exhausted().get();
            }
            if (!wait.isZero()) {
                pause.pause(wait);
            }
        }
    }
}
