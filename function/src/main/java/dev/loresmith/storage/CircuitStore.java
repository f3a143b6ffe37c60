package dev.loresmith.storage;

import dev.loresmith.circuit.CircuitRecord;

/** The circuit/config table: one item per provider. */
public interface CircuitStore {

    /** Strongly consistent read; a provider never seen reads as closed with no overrides. */
    ProviderConfig read();

    /** Replaces the circuit if its version is still {@code expected.version()}. Returns whether it did. */
    boolean replace(CircuitRecord expected, CircuitRecord next);
}
