package dev.loresmith.generate;

import dev.loresmith.circuit.Circuit;
import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.llm.Provider;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.retry.Retry;
import dev.loresmith.storage.CircuitStore;

/**
 * The scheduled reset of one opening: moves the circuit {@code open → half_open} only when the stored
 * generation is the one the schedule carries. A stale schedule (the circuit has closed and reopened since)
 * or a repeated one changes nothing.
 */
public final class ResetCircuit {

    /** What a reset did. */
    public enum Result {
        /** The circuit was open at this generation and is now half-open. */
        HALF_OPENED,
        /** The circuit is not open at this generation; nothing changed. */
        STALE
    }

    /** A reset that lost a race to another writer re-reads the circuit and decides again, up to five times. */
    private static final Retry RACES = Retry.atOnce(5);

    private final CircuitStore circuits;
    private final Circuit circuit;
    private final StructuredLog log;

    public ResetCircuit(CircuitStore circuits, Circuit circuit, StructuredLog log) {
        this.circuits = circuits;
        this.circuit = circuit;
        this.log = log;
    }

    public Result reset(Provider provider, long generation) {
        return RACES.run(attempt -> {
            CircuitRecord current = circuits.circuit(provider);
            CircuitRecord next = circuit.afterReset(current, generation);
            if (next.equals(current)) {
                log.info("circuit reset skipped", "provider", provider.wireName(), "generation", generation, "storedGeneration", current.generation(),
                        "circuitState", current.state().wireName());
                return Retry.Step.done(Result.STALE);
            }
            if (circuits.replace(provider, current, next)) {
                log.info("circuit half-open", "provider", provider.wireName(), "generation", generation);
                return Retry.Step.done(Result.HALF_OPENED);
            }
            // Another writer moved the circuit between our read and write: decide again on what it wrote.
            return Retry.Step.againOrThrow(new IllegalStateException(provider + " circuit reset for generation " + generation
                    + " kept conflicting; Lambda retries the invocation"));
        });
    }
}
