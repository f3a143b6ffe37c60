package dev.loresmith.circuit;

/**
 * What callers see: the stored state, or an operator's override of it. {@code gauge} is the value of the
 * {@code CircuitState} metric (0 closed, 1 half-open, 2 open, 3 forced open; forced closed reads 0).
 */
public enum EffectiveState {
    CLOSED("closed", 0),
    HALF_OPEN("half_open", 1),
    OPEN("open", 2),
    FORCED_OPEN("forced_open", 3),
    FORCED_CLOSED("forced_closed", 0);

    private final String wireName;
    private final int gauge;

    EffectiveState(String wireName, int gauge) {
        this.wireName = wireName;
        this.gauge = gauge;
    }

    public String wireName() {
        return wireName;
    }

    public int gauge() {
        return gauge;
    }

    /** Whether requests are served by calling the API (closed, by the circuit or by an operator). */
    public boolean isClosed() {
        return this == CLOSED || this == FORCED_CLOSED;
    }

    /** Whether requests fall back without a call (open, by the circuit or by an operator). */
    public boolean isOpen() {
        return this == OPEN || this == FORCED_OPEN;
    }
}
