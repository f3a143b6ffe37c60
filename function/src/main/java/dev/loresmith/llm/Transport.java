package dev.loresmith.llm;

/**
 * Sends planned calls to one provider. Never throws for a failed call: it returns the failure as an {@link LlmReply}.
 * One attempt per call (no retries of its own, which would blur the circuit's accounting), bounded by the plan's timeout.
 */
public interface Transport {

    Provider provider();

    /** Whether a call can be sent now — its credentials are there — without calling the provider. Never throws. */
    Readiness readiness();

    LlmReply send(CallPlan plan);

    /** Whether a transport can call now. "Could not read the credentials" is not "there are none". */
    sealed interface Readiness {

        Readiness READY = new Ready();

        record Ready() implements Readiness {
        }

        /** No usable credentials are configured (fallback {@code no_config}); {@code why} names the problem, never a value. */
        record Absent(String why) implements Readiness {
        }

        /** The credentials could not be read just now (fallback {@code config_unavailable}). */
        record Unavailable(String why) implements Readiness {
        }
    }
}
