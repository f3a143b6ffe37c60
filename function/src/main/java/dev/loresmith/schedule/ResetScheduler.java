package dev.loresmith.schedule;

import java.time.Instant;

/** Arranges for the reset function to run once, at {@code at}, for circuit opening {@code generation}. */
public interface ResetScheduler {

    /** Idempotent per generation: scheduling the same generation twice is harmless. Never throws. */
    void scheduleReset(long generation, Instant at);
}
