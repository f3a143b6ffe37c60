package dev.loresmith.storage;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Settings chosen at deploy time (template parameters), written to the config item by the stack's custom
 * resource on every deploy and read with it on every request — so a changed parameter takes effect at once,
 * without depending on a new function version reaching the alias.
 */
public record StackSettings(String model, Integer maxTokens, String baseUrl, Long tokenBudget) {

    public static final StackSettings NONE = new StackSettings(null, null, null, null);

    public Optional<String> modelId() {
        return Optional.ofNullable(model);
    }

    public OptionalInt maxTokensValue() {
        return maxTokens == null ? OptionalInt.empty() : OptionalInt.of(maxTokens);
    }

    public Optional<String> baseUrlValue() {
        return Optional.ofNullable(baseUrl);
    }

    public OptionalLong tokenBudgetValue() {
        return tokenBudget == null ? OptionalLong.empty() : OptionalLong.of(tokenBudget);
    }
}
