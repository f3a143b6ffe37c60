package dev.loresmith.generate;

import dev.loresmith.circuit.CallResult;

/**
 * Why an item got its fallback. {@code code} is what follows {@code fallback:} in the item's {@code model};
 * {@code circuit} is what the failure means for the circuit breaker. The codes are a public contract
 * (README, "Fallback reasons").
 */
public record FallbackReason(String code, CallResult circuit) {

    public static final FallbackReason NO_CONFIG = new FallbackReason("no_config", CallResult.NOT_COUNTED);
    /** The key or the config item could not be read just now: transient, not "there is no key". */
    public static final FallbackReason CONFIG_UNAVAILABLE = new FallbackReason("config_unavailable", CallResult.NOT_COUNTED);
    public static final FallbackReason CIRCUIT_OPEN = new FallbackReason("circuit_open", CallResult.NOT_COUNTED);
    public static final FallbackReason RATE_LIMITED = new FallbackReason("rate_limited", CallResult.NOT_COUNTED);
    public static final FallbackReason BUDGET_EXHAUSTED = new FallbackReason("budget_exhausted", CallResult.NOT_COUNTED);
    public static final FallbackReason NETWORK_ERROR = new FallbackReason("network_error", CallResult.COUNTED_FAILURE);
    public static final FallbackReason INVALID_JSON = new FallbackReason("invalid_json", CallResult.COUNTED_FAILURE);
    /**
     * A reply of the type's shape that breaks only a field's limits: still {@code invalid_json} to clients, but a
     * player's context can provoke it, so it never counts against the provider.
     */
    public static final FallbackReason INVALID_JSON_LIMITS = new FallbackReason("invalid_json", CallResult.NOT_COUNTED);
    /** {@code stop_reason: refusal}: a player's context can provoke it, so it never counts against the provider. */
    public static final FallbackReason REFUSED = new FallbackReason("refused", CallResult.NOT_COUNTED);
    /** {@code stop_reason: max_tokens}: likewise the request's doing, not the provider's health. */
    public static final FallbackReason TRUNCATED = new FallbackReason("truncated", CallResult.NOT_COUNTED);
    /** Too little of the invocation left to call the API and still write the result. Not the API's fault. */
    public static final FallbackReason NO_TIME = new FallbackReason("no_time", CallResult.NOT_COUNTED);
    /** The API accepted the request but could not enqueue it; nothing would have generated it. */
    public static final FallbackReason NOT_QUEUED = new FallbackReason("not_queued", CallResult.NOT_COUNTED);
    /** Written by the dead-letter handler for a message that could not be processed. */
    public static final FallbackReason DEAD_LETTER = new FallbackReason("dead_letter", CallResult.NOT_COUNTED);

    /** Another 4xx/5xx status: counted. */
    public static FallbackReason apiError(int status) {
        return new FallbackReason("api_error_" + status, CallResult.COUNTED_FAILURE);
    }

    /** A status that says nothing about the provider's health (the endpoint refused a request field): not counted. */
    public static FallbackReason apiErrorNotCounted(int status) {
        return new FallbackReason("api_error_" + status, CallResult.NOT_COUNTED);
    }

    public String model() {
        return "fallback:" + code;
    }

    /** Whether a fallback for this reason may be replaced by generated text later (README, "Upgrades"). */
    public boolean upgradeable() {
        return switch (code) {
            case "circuit_open", "rate_limited", "network_error", "no_time", "not_queued", "config_unavailable", "invalid_json" -> true;
            default -> code.matches("api_error_5\\d\\d");
        };
    }
}
