package dev.loresmith.circuit;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The persisted state of one provider's circuit. {@code version} grows by one at every change and
 * is what conditional writes compare, so concurrent deciders cannot both win.
 *
 * @param windowStart start of the current failure window; null when no failure is being counted
 * @param openedAt    when the circuit last opened; null if it never has
 * @param probeUntil  while half-open, the end of the current probe's exclusive lease; null when no probe runs
 */
public record CircuitRecord(CircuitState state, int failureCount, Instant windowStart, Instant openedAt,
                            long generation, Instant probeUntil, long version) {

    public CircuitRecord {
        Objects.requireNonNull(state, "state");
    }

    /** The circuit of a provider that has never failed. */
    public static CircuitRecord initial() {
        return new CircuitRecord(CircuitState.CLOSED, 0, null, null, 0, null, 0);
    }

    public Optional<Instant> opened() {
        return Optional.ofNullable(openedAt);
    }

    CircuitRecord closed() {
        return new CircuitRecord(CircuitState.CLOSED, 0, null, openedAt, generation, null, version + 1);
    }

    CircuitRecord countingFailure(int count, Instant windowStartedAt) {
        return new CircuitRecord(state, count, windowStartedAt, openedAt, generation, probeUntil, version + 1);
    }

    CircuitRecord opened(Instant now) {
        return new CircuitRecord(CircuitState.OPEN, 0, null, now, generation + 1, null, version + 1);
    }

    CircuitRecord probing(Instant until) {
        return new CircuitRecord(CircuitState.HALF_OPEN, 0, null, openedAt, generation, until, version + 1);
    }

    CircuitRecord halfOpenIdle() {
        return new CircuitRecord(CircuitState.HALF_OPEN, 0, null, openedAt, generation, null, version + 1);
    }
}
