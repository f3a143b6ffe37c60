package dev.loresmith.testing;

import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitState;
import dev.loresmith.circuit.ForcedState;

import java.time.Instant;
import java.util.List;

/** Circuit records in a given state, for tests that start from one. */
public final class Circuits {

    private Circuits() {
    }

    public static CircuitRecord open(Instant openedAt, long generation, long version) {
        return new CircuitRecord(CircuitState.OPEN, List.of(), openedAt, generation, null, ForcedState.NONE, version);
    }

    public static CircuitRecord halfOpen(Instant openedAt, long generation, long version) {
        return new CircuitRecord(CircuitState.HALF_OPEN, List.of(), openedAt, generation, null, ForcedState.NONE, version);
    }

    public static CircuitRecord closed(List<Instant> failures, long generation, long version) {
        return new CircuitRecord(CircuitState.CLOSED, failures, null, generation, null, ForcedState.NONE, version);
    }
}
