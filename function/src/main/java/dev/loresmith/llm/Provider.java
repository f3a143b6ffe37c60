package dev.loresmith.llm;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A source of generated text, with a circuit of its own (the circuit table holds one item per provider). */
public enum Provider {
    /** Anthropic's Messages API, with the key from Secrets Manager. */
    ANTHROPIC("anthropic", "ModelId"),
    /** Amazon Bedrock Runtime's InvokeModel with Claude, signed with the function's IAM role: no key. */
    BEDROCK("bedrock", "BedrockModelId");

    private final String wireName;
    private final String modelParameter;

    Provider(String wireName, String modelParameter) {
        this.wireName = wireName;
        this.modelParameter = modelParameter;
    }

    /** The template parameter that names this provider's model: what an operator fixes when the provider refuses it. */
    public String modelParameter() {
        return modelParameter;
    }

    /** The name stored in the circuit table's {@code provider} key, and shown in events, metrics and the admin routes. */
    public String wireName() {
        return wireName;
    }

    /**
     * A preference order as written in the {@code Providers} parameter: {@code anthropic}, {@code bedrock},
     * {@code anthropic,bedrock} or {@code bedrock,anthropic} (spaces around names allowed). Empty for anything else:
     * an unknown name, a repeated one, none at all.
     */
    public static Optional<List<Provider>> parseList(String text) {
        if (text == null) {
            return Optional.empty();
        }
        List<Provider> order = new ArrayList<>();
        for (String name : text.split(",", -1)) {
            Optional<Provider> provider = fromWireName(name.strip());
            if (provider.isEmpty() || order.contains(provider.get())) {
                return Optional.empty();
            }
            order.add(provider.get());
        }
        return Optional.of(List.copyOf(order));
    }

    /** The order as the {@code Providers} parameter writes it. */
    public static String listText(List<Provider> order) {
        return String.join(",", order.stream().map(Provider::wireName).toList());
    }

    public static Optional<Provider> fromWireName(String name) {
        for (Provider provider : values()) {
            if (provider.wireName.equals(name)) {
                return Optional.of(provider);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return wireName;
    }
}
