package dev.loresmith.storage;

import dev.loresmith.circuit.CircuitRecord;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The provider's config item as one consistent read sees it: the circuit, the shared throttle, the token
 * budget and its counter, the stack's deploy-time settings and an operator's overrides. Values the code does
 * not understand are already replaced by their documented safe defaults; {@code problems} names each such
 * attribute (never its value), for the caller to log.
 *
 * @param throttledUntil no call before this, by any instance; null when there is no throttle
 * @param throttleReason why: {@code rate_limited} or {@code spend_limit}
 * @param budgetDay      the UTC day {@code tokensUsed} counts; null before the first counted call
 */
public record ProviderConfig(CircuitRecord circuit, StackSettings stack, String modelOverride, Integer maxTokensOverride,
                             Long tokenBudgetOverride, Instant throttledUntil, String throttleReason, LocalDate budgetDay,
                             long tokensUsed, List<String> problems) {

    /** The longest any throttle of ours holds calls back (a spend limit's hour); {@link #checkedAt} allows a minute of clock skew. */
    public static final Duration LONGEST_THROTTLE = Duration.ofHours(1);

    public ProviderConfig {
        problems = List.copyOf(problems);
    }

    /**
     * This config as of {@code now}: a {@code throttledUntil} further ahead than any throttle holds (a hand edit in
     * microseconds, say) is ignored and named in {@code problems} — it would otherwise hold every call back for
     * good, and {@code PUT /circuit} does not touch it. The next throttle replaces it.
     */
    public ProviderConfig checkedAt(Instant now) {
        if (throttledUntil == null || !throttledUntil.isAfter(implausibleThrottleAfter(now))) {
            return this;
        }
        List<String> more = new ArrayList<>(problems);
        more.add("throttledUntil: further ahead than any throttle holds, ignored");
        return new ProviderConfig(circuit, stack, modelOverride, maxTokensOverride, tokenBudgetOverride, null, null,
                budgetDay, tokensUsed, more);
    }

    /** A stored throttle ending after this was not written by a throttle of ours. */
    public static Instant implausibleThrottleAfter(Instant now) {
        return now.plus(LONGEST_THROTTLE).plus(Duration.ofMinutes(1));
    }

    public static ProviderConfig initial() {
        return new ProviderConfig(CircuitRecord.initial(), StackSettings.NONE, null, null, null, null, null, null, 0, List.of());
    }

    /** The model: an operator's override, else the stack's, else {@code fallback}. */
    public String model(String fallback) {
        return Optional.ofNullable(modelOverride).or(stack::modelId).orElse(fallback);
    }

    public int maxTokens(int fallback) {
        return maxTokensOverride != null ? maxTokensOverride : stack.maxTokensValue().orElse(fallback);
    }

    public String baseUrl(String fallback) {
        return stack.baseUrlValue().orElse(fallback);
    }

    /** Tokens per UTC day, if a budget is set (0 means none). */
    public OptionalLong tokenBudget() {
        OptionalLong budget = tokenBudgetOverride != null ? OptionalLong.of(tokenBudgetOverride) : stack.tokenBudgetValue();
        return budget.isPresent() && budget.getAsLong() > 0 ? budget : OptionalLong.empty();
    }

    /** Tokens counted on {@code day}. */
    public long tokensUsedOn(LocalDate day) {
        return day.equals(budgetDay) ? tokensUsed : 0;
    }

    public boolean throttledAt(Instant now) {
        return throttledUntil != null && now.isBefore(throttledUntil);
    }

    public ProviderConfig withCircuit(CircuitRecord record) {
        return new ProviderConfig(record, stack, modelOverride, maxTokensOverride, tokenBudgetOverride, throttledUntil,
                throttleReason, budgetDay, tokensUsed, problems);
    }
}
