package dev.loresmith.circuit;

import java.time.Instant;

/**
 * The circuit breaker's decisions over (record, time, outcome). It knows nothing of storage: callers
 * persist the records it returns with a write conditioned on the version they read.
 */
public final class Circuit {

    private final CircuitSettings settings;

    public Circuit(CircuitSettings settings) {
        this.settings = settings;
    }

    public CircuitSettings settings() {
        return settings;
    }

    public Admission admit(CircuitRecord record, Instant now) {
        return record.state().admit(record, now, settings);
    }

    /** The record after a call; the same instance when the call changes nothing. */
    public CircuitRecord afterCall(CircuitRecord record, Instant now, CallResult result, boolean probe) {
        return record.state().afterCall(record, now, result, probe, settings);
    }

    /**
     * The scheduled reset of opening {@code generation}: open → half-open, but only for that opening.
     * A stale schedule (the circuit closed and reopened since) or a repeated one returns the record unchanged.
     */
    public CircuitRecord afterReset(CircuitRecord record, long generation) {
        if (record.state() != CircuitState.OPEN || record.generation() != generation) {
            return record;
        }
        return record.halfOpenIdle();
    }

    /** Whether {@code next} is an opening of the circuit relative to {@code previous}. */
    public static boolean opens(CircuitRecord previous, CircuitRecord next) {
        return next.generation() > previous.generation();
    }

    /** When the reset of the opening recorded in {@code record} is due. */
    public Instant resetDueAt(CircuitRecord record) {
        return record.openedAt().plus(settings.resetAfter());
    }
}
