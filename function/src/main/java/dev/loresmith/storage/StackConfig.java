package dev.loresmith.storage;

import dev.loresmith.llm.Provider;

import java.time.LocalDate;
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

    /** Tokens per UTC day, if a budget is set (0 means none). */
    public OptionalLong tokenBudget() {
        OptionalLong budget = tokenBudgetOverride != null ? OptionalLong.of(tokenBudgetOverride) : settings.tokenBudgetValue();
        return budget.isPresent() && budget.getAsLong() > 0 ? budget : OptionalLong.empty();
    }

    /** Tokens counted on {@code day}. */
    public long tokensUsedOn(LocalDate day) {
        return day.equals(budgetDay) ? tokensUsed : 0;
    }
}
