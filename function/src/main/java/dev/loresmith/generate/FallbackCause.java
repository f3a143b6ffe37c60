package dev.loresmith.generate;

import dev.loresmith.circuit.CallResult;

/**
 * Every cause of a fallback, with what it means: the wire code written as {@code model: fallback:<code>} (a public
 * contract: README, "Fallback reasons"), what it means for the circuit, whether the item is upgraded later, and
 * whether it is a <em>quality</em> failure — a reply that came back from the model and was refused, cut short or not
 * of the type's shape: a prompt's problem, not the provider's health (the {@code reply rejected} log line, the
 * {@code QualityFailures} metric and the quality alarm all use this one definition).
 */
public enum FallbackCause {

    /** No API key, a blank one, or one HTTP headers cannot carry. */
    NO_CONFIG("no_config", CallResult.NOT_COUNTED, Upgrade.NEVER, false),
    /** The key or the config item could not be read just now: transient, not "there is no key". */
    CONFIG_UNAVAILABLE("config_unavailable", CallResult.NOT_COUNTED, Upgrade.ALWAYS, false),
    /** The circuit is open (or forced open), or another caller holds the probe. */
    CIRCUIT_OPEN("circuit_open", CallResult.NOT_COUNTED, Upgrade.ALWAYS, false),
    /** A 429, a spend-limit answer, or the shared throttle in force. */
    RATE_LIMITED("rate_limited", CallResult.NOT_COUNTED, Upgrade.ALWAYS, false),
    /** The day's token budget is spent. */
    BUDGET_EXHAUSTED("budget_exhausted", CallResult.NOT_COUNTED, Upgrade.NEVER, false),
    /** A 5xx (529 overloaded included), or Bedrock's 408 model timeout or 424 model error: {@code api_error_<status>}. */
    SERVER_ERROR("api_error_", CallResult.COUNTED_FAILURE, Upgrade.ALWAYS, false),
    /** Any other non-2xx status: {@code api_error_<status>}. */
    CLIENT_ERROR("api_error_", CallResult.COUNTED_FAILURE, Upgrade.NEVER, false),
    /** A 400 naming a request field the model or endpoint does not take (structured outputs): says nothing of its health. */
    FIELD_REJECTED("api_error_", CallResult.NOT_COUNTED, Upgrade.NEVER, false),
    /** A connection error, or a timeout after the call's full time. */
    NETWORK_ERROR("network_error", CallResult.COUNTED_FAILURE, Upgrade.ALWAYS, false),
    /** Too little of the invocation left to call, or the call timed out in the shorter time the deadline left it. */
    NO_TIME("no_time", CallResult.NOT_COUNTED, Upgrade.ALWAYS, false),
    /** A reply that is not the type's shape: not JSON, a missing or extra field, a wrong type, an unexpected stop reason. */
    INVALID_JSON("invalid_json", CallResult.COUNTED_FAILURE, Upgrade.ONCE, true),
    /** A 2xx whose body is not a Messages response (not JSON, no content, over the size cap): the endpoint's fault. */
    UNREADABLE("invalid_json", CallResult.COUNTED_FAILURE, Upgrade.ONCE, false),
    /** A reply of the type's shape whose only faults are a field's limits: a player's context can provoke it. */
    INVALID_LIMITS("invalid_json", CallResult.NOT_COUNTED, Upgrade.ONCE, true),
    /** {@code stop_reason: refusal}: a player's context can provoke it. */
    REFUSED("refused", CallResult.NOT_COUNTED, Upgrade.NEVER, true),
    /** {@code stop_reason: max_tokens} or {@code model_context_window_exceeded}: likewise the request's doing. */
    TRUNCATED("truncated", CallResult.NOT_COUNTED, Upgrade.NEVER, true),
    /** The HTTP API could not enqueue the request. */
    NOT_QUEUED("not_queued", CallResult.NOT_COUNTED, Upgrade.ALWAYS, false),
    /** The message died after its receives (written by the dead-letter path). */
    DEAD_LETTER("dead_letter", CallResult.NOT_COUNTED, Upgrade.NEVER, false);

    /** Whether a fallback of this cause is replaced by generated text later. */
    public enum Upgrade {
        /** Never: the cause will not pass by itself, or a player provoked it. */
        NEVER,
        /** One more attempt only: a prompt that produced garbage once is tried once more, not hammered. */
        ONCE,
        /** Until it succeeds (within the upgrade policy's limits). */
        ALWAYS
    }

    private final String code;
    private final CallResult circuit;
    private final Upgrade upgrade;
    private final boolean quality;

    FallbackCause(String code, CallResult circuit, Upgrade upgrade, boolean quality) {
        this.code = code;
        this.circuit = circuit;
        this.upgrade = upgrade;
        this.quality = quality;
    }

    /** The wire code; for the {@code api_error_} causes, the prefix of {@code api_error_<status>}. */
    String code() {
        return code;
    }

    /** What a call that ended in this cause means for the circuit. */
    public CallResult circuit() {
        return circuit;
    }

    public Upgrade upgrade() {
        return upgrade;
    }

    /** A reply that came back and was refused, truncated or not of the type's shape: the prompt's problem, not the provider's. */
    public boolean quality() {
        return quality;
    }

    /**
     * Whether a request that met this cause at one provider moves on to the next one: when the provider was not
     * admitted (no credentials, its circuit open, its throttle or the budget), or failed in a way that is its own (a
     * counted failure, or a 429). Not for what the request itself provokes (a refusal, a truncation, a broken limit) or
     * when no time is left: another provider would only do the same, or could not be called either.
     */
    public boolean failsOver() {
        return circuit == CallResult.COUNTED_FAILURE || switch (this) {
            case NO_CONFIG, CONFIG_UNAVAILABLE, CIRCUIT_OPEN, RATE_LIMITED, BUDGET_EXHAUSTED -> true;
            default -> false;
        };
    }

    /** Whether the wire code carries an HTTP status ({@code api_error_<status>}). */
    boolean hasStatus() {
        return code.endsWith("_");
    }
}
