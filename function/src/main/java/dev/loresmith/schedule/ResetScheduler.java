package dev.loresmith.schedule;

import dev.loresmith.llm.Provider;

import java.time.Instant;

/** Arranges for the reset function to run once, at {@code at}, for opening {@code generation} of {@code provider}'s circuit. */
public interface ResetScheduler {

    /** Idempotent per provider and generation: scheduling the same one twice is harmless. Never throws. */
    void scheduleReset(Provider provider, long generation, Instant at);
}
