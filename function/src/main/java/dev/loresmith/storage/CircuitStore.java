package dev.loresmith.storage;

import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.llm.Provider;

import java.time.Instant;
import java.time.LocalDate;

/**
 * The circuit/config table: one item per provider — its circuit, throttle and overrides — and the stack item every
 * provider shares (settings, provider order, token budget and counter).
 */
public interface CircuitStore {

    /**
     * One strongly consistent read of the stack item and every provider's item. An item never written reads as its
     * initial state (a closed circuit, no settings). Never fails on bad values.
     */
    Config read();

    /** One provider's circuit, read strongly consistently (for writers that move only that circuit). */
    CircuitRecord circuit(Provider provider);

    /** Replaces {@code provider}'s circuit if its version is still {@code expected.version()}. Returns whether it did. */
    boolean replace(Provider provider, CircuitRecord expected, CircuitRecord next);

    /**
     * Moves {@code provider}'s {@code throttledUntil} forward to {@code until} (never back), or replaces a stored value no
     * throttle writes — not a number, or after {@code implausibleAfter}. Returns whether it wrote.
     */
    boolean throttleUntil(Provider provider, Instant until, String reason, Instant implausibleAfter);

    /**
     * Claims the check of {@code provider}'s passed spend-limit hold: moves its {@code throttledUntil} from {@code passed}
     * (as read) to {@code until}, the checker's lease, if nobody has since. Returns whether this caller won.
     */
    boolean claimSpendLimitCheck(Provider provider, Instant passed, Instant until);

    /** The check answered without meeting the spend limit: lifts the hold, if it is still the check's ({@code until}). */
    void liftSpendLimit(Provider provider, Instant until);

    /** Adds {@code tokens} to the counter of {@code day} (UTC) on the stack item, starting it at zero on a new day. */
    void addTokens(LocalDate day, long tokens);

    /** Writes the stack's deploy-time settings to the stack item (the stack's custom resource), leaving everything else alone. */
    void writeStackSettings(StackSettings settings);

    /** A provider's circuit moving from {@code expected} to {@code next}, written with the result of the call that moved it. */
    record CircuitMove(Provider provider, CircuitRecord expected, CircuitRecord next) {
        /** Whether there is anything to write. */
        public boolean changes() {
            return !next.equals(expected);
        }
    }
}
