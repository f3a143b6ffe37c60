package dev.loresmith.circuit;

/** Why the circuit moved, as circuit events state it ({@code reason}: a public contract, README "Events"). */
public enum TransitionReason {
    /** Counted failures reached the threshold within the window. */
    FAILURES("failures"),
    /** The half-open probe failed: open again, a new generation. */
    PROBE_FAILED("probe_failed"),
    /** The scheduled reset moved it from open to half-open. */
    RESET("reset"),
    /**
     * A caller claimed the probe of an open circuit whose scheduled reset is overdue (the schedule lost, or the reset
     * failing): open to half-open without the reset — what an operator checking whether resets run needs to tell apart.
     */
    OVERDUE("overdue"),
    /** The half-open probe succeeded. */
    PROBE_SUCCEEDED("probe_succeeded"),
    /** An operator forced it open or closed. */
    FORCED("forced"),
    /** An operator released an override. */
    RELEASED("released");

    private final String wireName;

    TransitionReason(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
