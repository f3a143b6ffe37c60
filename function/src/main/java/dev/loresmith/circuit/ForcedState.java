package dev.loresmith.circuit;

import java.util.Optional;

/**
 * An operator's override of the circuit ({@code PUT /circuit}). Honoured by every caller until released;
 * the scheduled reset and probes move the stored state underneath it but never release it.
 */
public enum ForcedState {
    /** No override: the circuit decides. */
    NONE(""),
    /** Every request falls back {@code circuit_open}; no call is made. */
    OPEN("open"),
    /** Every request calls; failures are still counted (visible to operators) but never open the circuit. */
    CLOSED("closed");

    private final String wireName;

    ForcedState(String wireName) {
        this.wireName = wireName;
    }

    /** The value stored in {@code forcedState}; empty for {@link #NONE} (the attribute is removed). */
    public String wireName() {
        return wireName;
    }

    /** The stored value; anything else is not an override the code understands. */
    public static Optional<ForcedState> fromWireName(String name) {
        for (ForcedState state : values()) {
            if (state != NONE && state.wireName.equals(name)) {
                return Optional.of(state);
            }
        }
        return Optional.empty();
    }
}
