package dev.loresmith.circuit;

/** What a call to the provider means for the circuit. */
public enum CallResult {
    /** The provider answered usefully. */
    SUCCESS,
    /** A failure that is the provider's: errors, timeouts, garbage. Counts towards opening. */
    COUNTED_FAILURE,
    /** Not the provider's health (rate limiting, our own deadline): the circuit does not move. */
    NOT_COUNTED
}
