package dev.loresmith.circuit;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The persisted state of one provider's circuit. {@code version} grows by one at every change and
 * is what conditional writes compare, so concurrent deciders cannot both win.
 *
 * @param recentFailures times of the counted failures still inside the sliding window, oldest first
 * @param openedAt       when the circuit last opened; null if it never has
 * @param probeUntil     while half-open, the end of the current probe's exclusive lease; null when no probe runs
 * @param forced         an operator's override, {@link ForcedState#NONE} when there is none
 */
public record CircuitRecord(CircuitState state, List<Instant> recentFailures, Instant openedAt, long generation,
                            Instant probeUntil, ForcedState forced, long version) {

    public CircuitRecord {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(forced, "forced");
        recentFailures = List.copyOf(recentFailures);
    }

    /** The circuit of a provider that has never failed. */
    public static CircuitRecord initial() {
        return new CircuitRecord(CircuitState.CLOSED, List.of(), null, 0, null, ForcedState.NONE, 0);
    }

    /** Counted failures inside the window (as of the last write). */
    public int failureCount() {
        return recentFailures.size();
    }

    /** The oldest counted failure still in the window; null when there is none. */
    public Instant windowStart() {
        return recentFailures.isEmpty() ? null : recentFailures.get(0);
    }

    public Optional<Instant> opened() {
        return Optional.ofNullable(openedAt);
    }

    /** The state callers act on: an operator's override wins over the stored state. */
    public EffectiveState effective() {
        return switch (forced) {
            case OPEN -> EffectiveState.FORCED_OPEN;
            case CLOSED -> EffectiveState.FORCED_CLOSED;
            case NONE -> switch (state) {
                case CLOSED -> EffectiveState.CLOSED;
                case OPEN -> EffectiveState.OPEN;
                case HALF_OPEN -> EffectiveState.HALF_OPEN;
            };
        };
    }

    /**
     * How far ahead of this instance's clock another instance's failure may be stamped and still count: Lambda hosts
     * keep NTP time, so this is generous; a time further ahead is a hand edit that would otherwise count for ever.
     */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(5);

    /** The failures of {@code recentFailures} that are still within {@code window} of {@code now}, plus {@code now}. */
    List<Instant> withFailureAt(Instant now, Duration window) {
        List<Instant> kept = new ArrayList<>();
        for (Instant failure : recentFailures) {
            // "within 60 s" is inclusive: a failure exactly 60 s ago still counts
            if (!failure.isBefore(now.minus(window)) && !failure.isAfter(now.plus(CLOCK_SKEW))) {
                kept.add(failure);
            }
        }
        kept.add(now);
        return kept;
    }

    CircuitRecord closed() {
        return new CircuitRecord(CircuitState.CLOSED, List.of(), openedAt, generation, null, forced, version + 1);
    }

    CircuitRecord countingFailures(List<Instant> failures) {
        return new CircuitRecord(state, failures, openedAt, generation, probeUntil, forced, version + 1);
    }

    CircuitRecord opened(Instant now) {
        return new CircuitRecord(CircuitState.OPEN, List.of(), now, generation + 1, null, forced, version + 1);
    }

    CircuitRecord probing(Instant until) {
        return new CircuitRecord(CircuitState.HALF_OPEN, List.of(), openedAt, generation, until, forced, version + 1);
    }

    CircuitRecord halfOpenIdle() {
        return new CircuitRecord(CircuitState.HALF_OPEN, List.of(), openedAt, generation, null, forced, version + 1);
    }

    CircuitRecord withForced(ForcedState override) {
        return new CircuitRecord(state, recentFailures, openedAt, generation, probeUntil, override, version + 1);
    }

    /** This record with the version one past {@code previous}'s: a chain of changes is still one write. */
    CircuitRecord versionAfter(CircuitRecord previous) {
        return new CircuitRecord(state, recentFailures, openedAt, generation, probeUntil, forced, previous.version + 1);
    }
}
