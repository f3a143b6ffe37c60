package dev.loresmith.storage;

import dev.loresmith.llm.Provider;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The stack item of the circuit/config table ({@code provider = "stack"}), as one consistent read sees it: what every
 * provider shares — the stack's deploy-time settings, an operator's overrides of the provider order and the token
 * budget, and the day's token counter. Values the code does not understand are already replaced by their documented
 * safe defaults; {@code problems} names each such attribute (never its value).
 *
 * @param providersOverride an operator's provider order ({@code providers}); null when none
 * @param budgetDay         the UTC day {@code tokensUsed} counts; null before the first counted call
 */
public record StackConfig(StackSettings settings, List<Provider> providersOverride, Long tokenBudgetOverride, LocalDate budgetDay,
                          long tokensUsed, List<String> problems) {

    /** The order without any setting: Anthropic alone, as before there was a second provider. */
    public static final List<Provider> DEFAULT_PROVIDERS = List.of(Provider.ANTHROPIC);

    public static final StackConfig INITIAL = new StackConfig(StackSettings.NONE, null, null, null, 0, List.of());

    public StackConfig {
        providersOverride = providersOverride == null ? null : List.copyOf(providersOverride);
        problems = List.copyOf(problems);
    }

    /** The providers in preference order: an operator's override, else the stack's, else Anthropic alone. */
    public List<Provider> providers() {
        return Optional.ofNullable(providersOverride).or(settings::providerOrder).orElse(DEFAULT_PROVIDERS);
    }

    /**
     * Tokens per UTC day, if a budget is set. The stack's {@code DailyTokenBudget} of 0 (its default) means none; an
     * operator's override is a budget whatever its value — 0 means spend nothing — so no override can switch off the
     * stack's budget by accident (to run without one, deploy {@code DailyTokenBudget=0}).
     */
    public OptionalLong tokenBudget() {
        if (tokenBudgetOverride != null) {
            return OptionalLong.of(tokenBudgetOverride);
        }
        OptionalLong budget = settings.tokenBudgetValue();
        return budget.isPresent() && budget.getAsLong() > 0 ? budget : OptionalLong.empty();
    }

    /**
     * This stack item as of {@code now}: a {@code budgetDay} further ahead than tomorrow (a hand edit; instances' clocks
     * differ by far less) reads as none and is named in {@code problems}; the next count restarts the counter.
     */
    public StackConfig checkedAt(Instant now) {
        if (budgetDay == null || !budgetDay.isAfter(LocalDate.ofInstant(now, ZoneOffset.UTC).plusDays(1))) {
            return this;
        }
        List<String> more = new ArrayList<>(problems);
        more.add("budgetDay: further ahead than tomorrow, read as none and restarted by the next count");
        return new StackConfig(settings, providersOverride, tokenBudgetOverride, null, 0, more);
    }

    /** Tokens counted on {@code day}. */
    public long tokensUsedOn(LocalDate day) {
        return day.equals(budgetDay) ? tokensUsed : 0;
    }
}
