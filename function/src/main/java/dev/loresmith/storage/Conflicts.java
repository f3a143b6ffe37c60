package dev.loresmith.storage;

import dev.loresmith.retry.Retry;
import dev.loresmith.retry.RetryPolicy;
import software.amazon.awssdk.services.dynamodb.model.TransactionConflictException;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * A single-item write that meets a transaction in flight on the same item ({@code TransactionConflictException})
 * is tried again: five attempts, full jitter from 20 ms doubling to 200 ms (instances that collided spread out).
 */
public final class Conflicts {

    public static final RetryPolicy POLICY = RetryPolicy.attempts(5).backoff(Duration.ofMillis(20), Duration.ofMillis(200)).withJitter();

    private final Retry retry;

    Conflicts(Retry retry) {
        this.retry = retry;
    }

    <T> T retrying(Supplier<T> write) {
        return retry.run(attempt -> {
            try {
                return Retry.Step.done(write.get());
            } catch (TransactionConflictException e) {
                return Retry.Step.againOrThrow(e);
            }
        });
    }
}
