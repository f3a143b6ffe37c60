package dev.loresmith.circuit;

/** Whether a caller may call the provider now. */
public sealed interface Admission {

    /** Closed: call. */
    record Call() implements Admission {
    }

    /** Open, or half-open with a live probe: do not call. */
    record Reject() implements Admission {
    }

    /**
     * Half-open (or open with its reset overdue) and no live probe: the caller may become the probe
     * if it persists {@code claimed} with a conditional write. Only one writer can win it.
     */
    record Probe(CircuitRecord claimed) implements Admission {
    }
}
