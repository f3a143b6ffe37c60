package dev.loresmith.storage;

import dev.loresmith.circuit.CircuitRecord;

import java.time.Instant;
import java.time.LocalDate;

/** The circuit/config table: one item per provider. */
public interface CircuitStore {

    /** Strongly consistent read; a provider never seen reads as closed with no settings. Never fails on bad values. */
    ProviderConfig read();

    /** Replaces the circuit if its version is still {@code expected.version()}. Returns whether it did. */
    boolean replace(CircuitRecord expected, CircuitRecord next);

    /**
     * Moves {@code throttledUntil} forward to {@code until} (never back), or replaces a stored value no throttle
     * writes — not a number, or after {@code implausibleAfter}. Returns whether it wrote.
     */
    boolean throttleUntil(Instant until, String reason, Instant implausibleAfter);

    /** Adds {@code tokens} to the counter of {@code day} (UTC), starting it at zero on a new day. One atomic update. */
    void addTokens(LocalDate day, long tokens);

    /** Writes the stack's deploy-time settings (the stack's custom resource), leaving everything else alone. */
    void writeStackSettings(StackSettings settings);
}
