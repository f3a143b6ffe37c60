package dev.loresmith.storage;

import dev.loresmith.circuit.CircuitRecord;

import java.util.Optional;
import java.util.OptionalInt;

/** The provider's config item: its circuit plus optional operator overrides. */
public record ProviderConfig(CircuitRecord circuit, String modelOverride, Integer maxTokensOverride) {

    public static ProviderConfig initial() {
        return new ProviderConfig(CircuitRecord.initial(), null, null);
    }

    public Optional<String> model() {
        return Optional.ofNullable(modelOverride).filter(m -> !m.isBlank());
    }

    public OptionalInt maxTokens() {
        return maxTokensOverride == null || maxTokensOverride < 1 ? OptionalInt.empty() : OptionalInt.of(maxTokensOverride);
    }
}
