package dev.loresmith.generate;

import dev.loresmith.circuit.CallResult;

import java.util.Optional;

/**
 * Why an item got its fallback: a {@link FallbackCause}, with the HTTP status for the {@code api_error_<status>}
 * causes (0 otherwise). {@link #code()} is what follows {@code fallback:} in the item's {@code model}.
 */
public record FallbackReason(FallbackCause cause, int status) {

    public static final FallbackReason NO_CONFIG = of(FallbackCause.NO_CONFIG);
    public static final FallbackReason CONFIG_UNAVAILABLE = of(FallbackCause.CONFIG_UNAVAILABLE);
    public static final FallbackReason CIRCUIT_OPEN = of(FallbackCause.CIRCUIT_OPEN);
    public static final FallbackReason RATE_LIMITED = of(FallbackCause.RATE_LIMITED);
    public static final FallbackReason BUDGET_EXHAUSTED = of(FallbackCause.BUDGET_EXHAUSTED);
    public static final FallbackReason NETWORK_ERROR = of(FallbackCause.NETWORK_ERROR);
    public static final FallbackReason UNREADABLE = of(FallbackCause.UNREADABLE);
    public static final FallbackReason INVALID_JSON = of(FallbackCause.INVALID_JSON);
    public static final FallbackReason INVALID_JSON_LIMITS = of(FallbackCause.INVALID_LIMITS);
    public static final FallbackReason REFUSED = of(FallbackCause.REFUSED);
    public static final FallbackReason TRUNCATED = of(FallbackCause.TRUNCATED);
    public static final FallbackReason NO_TIME = of(FallbackCause.NO_TIME);
    public static final FallbackReason NOT_QUEUED = of(FallbackCause.NOT_QUEUED);
    public static final FallbackReason DEAD_LETTER = of(FallbackCause.DEAD_LETTER);

    public FallbackReason {
        if (cause.hasStatus() != (status > 0)) {
            throw new IllegalArgumentException(cause + " with status " + status);
        }
    }

    private static FallbackReason of(FallbackCause cause) {
        return new FallbackReason(cause, 0);
    }

    /**
     * A non-2xx status: 5xx, 408 and 424 (Bedrock's model timeout and model error) are the provider's passing trouble;
     * anything else is the request's or the configuration's, and does not pass. Counted either way.
     */
    public static FallbackReason apiError(int status) {
        boolean passing = status / 100 == 5 || status == 408 || status == 424;
        return new FallbackReason(passing ? FallbackCause.SERVER_ERROR : FallbackCause.CLIENT_ERROR, status);
    }

    /** Whether the request moves on to the next provider after this reason (see {@link FallbackCause#failsOver()}). */
    public boolean failsOver() {
        return cause.failsOver();
    }

    /** A status that says nothing about the provider's health (the endpoint refused a request field): not counted. */
    public static FallbackReason fieldRejected(int status) {
        return new FallbackReason(FallbackCause.FIELD_REJECTED, status);
    }

    /**
     * The reason a stored code names ({@code model} without {@code fallback:}, or {@code lastFailure}); empty for a
     * code this version does not know. {@code invalid_json} reads as {@link FallbackCause#INVALID_JSON}: all three
     * of its causes share the code and the upgrade rule.
     */
    public static Optional<FallbackReason> parse(String code) {
        if (code == null) {
            return Optional.empty();
        }
        if (code.startsWith("api_error_")) {
            try {
                int status = Integer.parseInt(code.substring("api_error_".length()));
                return status >= 100 && status <= 999 ? Optional.of(apiError(status)) : Optional.empty();
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        for (FallbackCause cause : FallbackCause.values()) {
            if (!cause.hasStatus() && cause.code().equals(code)) {
                return Optional.of(of(cause));
            }
        }
        return Optional.empty();
    }

    /** The wire code: {@code circuit_open}, {@code api_error_503}, ... */
    public String code() {
        return cause.hasStatus() ? cause.code() + status : cause.code();
    }

    /** The item's {@code model}: {@code fallback:<code>}. */
    public String model() {
        return "fallback:" + code();
    }

    /** What a call that ended this way means for the circuit. */
    public CallResult circuit() {
        return cause.circuit();
    }

    /** Whether a fallback for this reason may be replaced by generated text later (README, "Upgrades"). */
    public boolean upgradeable() {
        return cause.upgrade() != FallbackCause.Upgrade.NEVER;
    }

    /** Whether this reason earns one upgrade attempt only. */
    public boolean upgradedOnce() {
        return cause.upgrade() == FallbackCause.Upgrade.ONCE;
    }

    /** A reply refused, truncated or not of the type's shape (see {@link FallbackCause#quality()}). */
    public boolean quality() {
        return cause.quality();
    }

    @Override
    public String toString() {
        return code();
    }
}
