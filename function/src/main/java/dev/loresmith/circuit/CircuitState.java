package dev.loresmith.circuit;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The circuit's stored states, each with its own transitions. Pure: no I/O, time always passed in.
 * Every transition returns a new record with {@code version + 1}, or the same record when nothing changes,
 * so the caller persists a change with a write conditioned on the version it read.
 */
public enum CircuitState {

    CLOSED("closed") {
        @Override
        Admission admit(CircuitRecord r, Instant now, CircuitSettings s) {
            return new Admission.Call();
        }

        @Override
        CircuitRecord afterCall(CircuitRecord r, Instant now, CallResult result, boolean probe, CircuitSettings s) {
            return switch (result) {
                case SUCCESS -> r.failureCount() == 0 ? r : r.closed();
                case NOT_COUNTED -> r;
                case COUNTED_FAILURE -> {
                    // A sliding window: the failures of the last failureWindow, whenever the first of them came.
                    List<Instant> recent = r.withFailureAt(now, s.failureWindow());
                    yield recent.size() >= s.failureThreshold() ? r.opened(now) : r.countingFailures(recent);
                }
            };
        }
    },

    OPEN("open") {
        @Override
        Admission admit(CircuitRecord r, Instant now, CircuitSettings s) {
            // The scheduled reset should have moved us to half-open by openedAt + resetAfter. If it is later
            // than that by more than the grace (scheduler down, schedule lost), callers probe on their own.
            // An open record without openedAt (hand-edited) is treated as overdue rather than open forever.
            boolean waiting = r.openedAt() != null && now.isBefore(r.openedAt().plus(s.resetAfter()).plus(s.overdueGrace()));
            return waiting ? new Admission.Reject() : new Admission.Probe(r.probing(now.plus(s.probeLease())));
        }

        @Override
        CircuitRecord afterCall(CircuitRecord r, Instant now, CallResult result, boolean probe, CircuitSettings s) {
            if (!probe) {
                return r; // a call that began before the circuit opened changes nothing now
            }
            // An overdue probe claimed from the open state: decide exactly as a half-open probe does.
            return HALF_OPEN.afterCall(r, now, result, true, s);
        }
    },

    HALF_OPEN("half_open") {
        @Override
        Admission admit(CircuitRecord r, Instant now, CircuitSettings s) {
            boolean probeLive = r.probeUntil() != null && now.isBefore(r.probeUntil());
            return probeLive ? new Admission.Reject() : new Admission.Probe(r.probing(now.plus(s.probeLease())));
        }

        @Override
        CircuitRecord afterCall(CircuitRecord r, Instant now, CallResult result, boolean probe, CircuitSettings s) {
            if (!probe) {
                return r; // only the probe's answer decides; stragglers from the closed state do not
            }
            return switch (result) {
                case SUCCESS -> r.closed();
                case COUNTED_FAILURE -> r.opened(now);
                case NOT_COUNTED -> r.halfOpenIdle(); // inconclusive: free the slot for the next caller
            };
        }
    };

    private final String wireName;

    CircuitState(String wireName) {
        this.wireName = wireName;
    }

    abstract Admission admit(CircuitRecord r, Instant now, CircuitSettings s);

    abstract CircuitRecord afterCall(CircuitRecord r, Instant now, CallResult result, boolean probe, CircuitSettings s);

    /** The value stored in the {@code circuitState} attribute. */
    public String wireName() {
        return wireName;
    }

    /** The state a stored value names; empty for a value the code does not understand. */
    public static Optional<CircuitState> fromWireName(String name) {
        for (CircuitState state : values()) {
            if (state.wireName.equals(name)) {
                return Optional.of(state);
            }
        }
        return Optional.empty();
    }
}
