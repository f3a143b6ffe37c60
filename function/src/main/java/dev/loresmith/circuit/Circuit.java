package dev.loresmith.circuit;

import java.time.Instant;
import java.util.List;

/**
 * The circuit breaker's decisions over (record, time, outcome). It knows nothing of storage: callers
 * persist the records it returns with a write conditioned on the version they read. An operator's
 * override ({@link ForcedState}) is applied here, in one place, before the stored state is consulted.
 */
public final class Circuit {

    /** Failures counted while an operator holds the circuit closed are kept for display, up to this many. */
    static final int MAX_FAILURES_KEPT_WHILE_FORCED = 100;

    private final CircuitSettings settings;

    public Circuit(CircuitSettings settings) {
        this.settings = settings;
    }

    public CircuitSettings settings() {
        return settings;
    }

    public Admission admit(CircuitRecord record, Instant now) {
        return switch (record.forced()) {
            case OPEN -> new Admission.Reject();
            case CLOSED -> new Admission.Call();
            case NONE -> record.state().admit(record, now, settings);
        };
    }

    /** The record after a call; the same instance when the call changes nothing. */
    public CircuitRecord afterCall(CircuitRecord record, Instant now, CallResult result, boolean probe) {
        return switch (record.forced()) {
            case OPEN -> record;
            case CLOSED -> countedWhileForcedClosed(record, now, result);
            case NONE -> record.state().afterCall(record, now, result, probe, settings);
        };
    }

    /** Forced closed: calls go through whatever the count says, but the count is still kept for operators. */
    private CircuitRecord countedWhileForcedClosed(CircuitRecord record, Instant now, CallResult result) {
        return switch (result) {
            case SUCCESS -> record.failureCount() == 0 ? record : record.countingFailures(List.of());
            case NOT_COUNTED -> record;
            case COUNTED_FAILURE -> {
                List<Instant> recent = record.withFailureAt(now, settings.failureWindow());
                yield record.countingFailures(recent.subList(Math.max(0, recent.size() - MAX_FAILURES_KEPT_WHILE_FORCED), recent.size()));
            }
        };
    }

    /**
     * The scheduled reset of opening {@code generation}: open → half-open, but only for that opening.
     * A stale schedule (the circuit closed and reopened since) or a repeated one returns the record unchanged.
     * An operator's override stays in force over the new stored state.
     */
    public CircuitRecord afterReset(CircuitRecord record, long generation) {
        if (record.state() != CircuitState.OPEN || record.generation() != generation) {
            return record;
        }
        return record.halfOpenIdle();
    }

    /**
     * An operator's override: {@code OPEN} holds it open, {@code CLOSED} closes it and clears the count,
     * {@code NONE} releases it to the stored state. The same record when nothing would change.
     */
    public CircuitRecord force(CircuitRecord record, ForcedState override) {
        return switch (override) {
            case OPEN, NONE -> record.forced() == override ? record : record.withForced(override);
            case CLOSED -> record.forced() == ForcedState.CLOSED && record.state() == CircuitState.CLOSED
                    && record.failureCount() == 0 ? record : record.closed().withForced(ForcedState.CLOSED).versionAfter(record);
        };
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
