package dev.loresmith.generate;

import dev.loresmith.circuit.CallResult;

/**
 * Why an item got its fallback. {@code code} is what follows {@code fallback:} in the item's {@code model};
 * {@code circuit} is what the failure means for the circuit breaker.
 */
public record FallbackReason(String code, CallResult circuit) {

    public static final FallbackReason NO_CONFIG = new FallbackReason("no_config", CallResult.NOT_COUNTED);
    public static final FallbackReason CIRCUIT_OPEN = new FallbackReason("circuit_open", CallResult.NOT_COUNTED);
    public static final FallbackReason RATE_LIMITED = new FallbackReason("rate_limited", CallResult.NOT_COUNTED);
    public static final FallbackReason NETWORK_ERROR = new FallbackReason("network_error", CallResult.COUNTED_FAILURE);
    public static final FallbackReason INVALID_JSON = new FallbackReason("invalid_json", CallResult.COUNTED_FAILURE);
    /** Too little of the invocation left to call the API and still write the result. Not the API's fault. */
    public static final FallbackReason NO_TIME = new FallbackReason("no_time", CallResult.NOT_COUNTED);
    /** The API accepted the request but could not enqueue it; nothing would have generated it. */
    public static final FallbackReason NOT_QUEUED = new FallbackReason("not_queued", CallResult.NOT_COUNTED);
    /** Written by the dead-letter handler for a message that could not be processed. */
    public static final FallbackReason DEAD_LETTER = new FallbackReason("dead_letter", CallResult.NOT_COUNTED);

    public static FallbackReason apiError(int status) {
        return new FallbackReason("api_error_" + status, CallResult.COUNTED_FAILURE);
    }

    public String model() {
        return "fallback:" + code;
    }
}
