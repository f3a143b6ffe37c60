package dev.loresmith.storage;

import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.content.Claim;
import dev.loresmith.content.ContentItem;
import dev.loresmith.content.ContentKey;

import java.time.Instant;
import java.util.Optional;

/** The content table, in the terms the flow and handlers need. */
public interface ContentStore {

    /**
     * Makes the item {@code pending} (creating it if absent, or taking back a {@code failed} one) and leases
     * it to {@code worker} until {@code leaseUntil}, unless it is {@code ready} or leased by a live worker.
     * One conditional write.
     */
    Claim claim(ContentKey key, String worker, Instant now, Instant leaseUntil);

    /** Strongly consistent read. */
    Optional<ContentItem> find(ContentKey key);

    /**
     * Marks the item requested: creates it {@code pending}, or moves a {@code failed} item back to
     * {@code pending}; leaves {@code pending} and {@code ready} items alone. Returns the item as it now is.
     */
    ContentItem request(ContentKey key, Instant now);

    /** Writes a finished item. A fallback never replaces a {@code ready} item: returns false then. */
    boolean finish(ContentItem finished);

    /** Writes a fallback only if the item is still {@code pending} (or absent). Returns whether it wrote. */
    boolean finishIfPending(ContentItem finished);

    /**
     * Writes a finished item and moves the circuit from {@code expected} to {@code next} in one
     * transaction, conditioned on the circuit's version and (for a fallback) on the item not being ready.
     */
    Commit finishWithCircuit(ContentItem finished, CircuitRecord expected, CircuitRecord next);

    enum Commit {
        COMMITTED,
        /**
         * The circuit changed since it was read, the transaction conflicted, or DynamoDB throttled it:
         * back off, re-read and decide again.
         */
        CIRCUIT_CHANGED,
        /** The item became ready meanwhile; nothing was written. */
        ITEM_ALREADY_READY
    }
}
