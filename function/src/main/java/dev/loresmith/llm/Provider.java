package dev.loresmith.llm;

import java.util.Optional;

/** A source of generated text, with a circuit of its own (the circuit table holds one item per provider). */
public enum Provider {
    /** Anthropic's Messages API, with the key from Secrets Manager. */
    ANTHROPIC("anthropic");

    private final String wireName;

    Provider(String wireName) {
        this.wireName = wireName;
    }

    /** The name stored in the circuit table's {@code provider} key, and shown in events, metrics and the admin routes. */
    public String wireName() {
        return wireName;
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
