package dev.loresmith.circuit;

import java.util.Optional;

/**
 * A change of what callers see, derived from the record before and after one write — the one place
 * every path that moves the circuit (a failure, a probe, the scheduled reset, an overdue probe, an
 * operator) becomes a named transition. Writes that change nothing callers see (a counted failure
 * below the threshold, a probe lease) are no transition.
 *
 * @param reason why, for the event
 */
public record CircuitTransition(Kind kind, EffectiveState from, EffectiveState to, long generation, TransitionReason reason) {

    public enum Kind {
        OPENED("CircuitOpened"), HALF_OPEN("CircuitHalfOpen"), CLOSED("CircuitClosed");

        private final String eventName;

        Kind(String eventName) {
            this.eventName = eventName;
        }

        /** The EventBridge detail-type. */
        public String eventName() {
            return eventName;
        }
    }

    /** The transition from {@code before} to {@code after}; {@code before} is null when the item did not exist. */
    public static Optional<CircuitTransition> between(CircuitRecord before, CircuitRecord after) {
        CircuitRecord old = before == null ? CircuitRecord.initial() : before;
        EffectiveState from = old.effective();
        EffectiveState to = after.effective();
        boolean forcedChanged = old.forced() != after.forced();
        // A new generation is an opening even when the state reads "open" on both sides (a failed overdue probe).
        if (after.generation() > old.generation() && to == EffectiveState.OPEN) {
            return Optional.of(new CircuitTransition(Kind.OPENED, from, to, after.generation(),
                    old.state() == CircuitState.CLOSED ? TransitionReason.FAILURES : TransitionReason.PROBE_FAILED));
        }
        if (from == to) {
            return Optional.empty();
        }
        TransitionReason reason = forcedChanged ? (after.forced() == ForcedState.NONE ? TransitionReason.RELEASED : TransitionReason.FORCED)
                : to == EffectiveState.HALF_OPEN ? halfOpened(old, after)
                : to == EffectiveState.CLOSED ? TransitionReason.PROBE_SUCCEEDED : TransitionReason.FAILURES;
        if (to.isOpen()) {
            return from.isOpen() ? Optional.empty() : Optional.of(new CircuitTransition(Kind.OPENED, from, to, after.generation(), reason));
        }
        if (to.isClosed()) {
            return from.isClosed() ? Optional.empty() : Optional.of(new CircuitTransition(Kind.CLOSED, from, to, after.generation(), reason));
        }
        return Optional.of(new CircuitTransition(Kind.HALF_OPEN, from, to, after.generation(), reason));
    }

    /**
     * Open to half-open: the scheduled reset writes it idle (no probe); a caller that finds the reset overdue writes it
     * with its own probe lease in the same write ({@link CircuitState#OPEN}'s admission).
     */
    private static TransitionReason halfOpened(CircuitRecord before, CircuitRecord after) {
        return before.state() == CircuitState.OPEN && after.probeUntil() != null ? TransitionReason.OVERDUE : TransitionReason.RESET;
    }
}
