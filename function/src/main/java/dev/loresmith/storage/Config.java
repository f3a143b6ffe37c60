package dev.loresmith.storage;

import dev.loresmith.llm.Provider;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The circuit/config table as one read sees it: the stack item and every provider's item. Settings resolve here, in
 * one place: an operator's override on the provider's item, else the stack's setting, else the built-in default.
 */
public record Config(StackConfig stack, Map<Provider, ProviderConfig> providers) {

    public static final Config INITIAL = new Config(StackConfig.INITIAL, Map.of());

    public Config {
        providers = providers.isEmpty() ? Map.of() : new EnumMap<>(providers);
    }

    /** One provider's item; a provider never written reads as closed with no overrides. */
    public ProviderConfig provider(Provider provider) {
        return providers.getOrDefault(provider, ProviderConfig.INITIAL);
    }

    /** The providers in preference order. */
    public List<Provider> order() {
        return stack.providers();
    }

    /**
     * This config as of {@code now}: stored times no writer of ours could have written, that far ahead, ignored (see
     * {@link ProviderConfig#checkedAt} and {@link StackConfig#checkedAt}).
     */
    public Config checkedAt(Instant now) {
        Map<Provider, ProviderConfig> checked = new EnumMap<>(Provider.class);
        providers.forEach((provider, config) -> checked.put(provider, config.checkedAt(now)));
        return new Config(stack.checkedAt(now), checked);
    }

    /** The model for {@code provider}: the operator's override on its item, else the stack's setting, else {@code fallback}. */
    public String model(Provider provider, String fallback) {
        Optional<String> stackModel = switch (provider) {
            case ANTHROPIC -> stack.settings().modelId();
            case BEDROCK -> stack.settings().bedrockModelId();
        };
        return Optional.ofNullable(provider(provider).modelOverride()).or(() -> stackModel).orElse(fallback);
    }

    public int maxTokens(Provider provider, int fallback) {
        Integer override = provider(provider).maxTokensOverride();
        return override != null ? override : stack.settings().maxTokensValue().orElse(fallback);
    }

    /** Anthropic's base URL: the stack's setting, else {@code fallback}. */
    public String baseUrl(String fallback) {
        return stack.settings().baseUrlValue().orElse(fallback);
    }

    public OptionalLong tokenBudget() {
        return stack.tokenBudget();
    }

    public long tokensUsedOn(LocalDate day) {
        return stack.tokensUsedOn(day);
    }

    /** A value the code does not understand, on the item named {@code item} ({@code stack}, {@code anthropic}, ...). */
    public record Problem(String item, String problem) {
    }

    /** Every problem of every item read. */
    public List<Problem> problems() {
        List<Problem> all = new ArrayList<>();
        stack.problems().forEach(p -> all.add(new Problem(CircuitItem.STACK, p)));
        providers.forEach((provider, config) -> config.problems().forEach(p -> all.add(new Problem(provider.wireName(), p))));
        return all;
    }
}
