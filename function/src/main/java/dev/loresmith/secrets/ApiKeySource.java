package dev.loresmith.secrets;

import java.util.Optional;

/** Where the Anthropic API key comes from. Empty means "no key configured": the flow falls back with {@code no_config}. */
public interface ApiKeySource {

    Optional<String> apiKey();

    /** A fixed key (local runs: {@code ANTHROPIC_API_KEY}); blank counts as none. */
    static ApiKeySource fixed(String key) {
        Optional<String> value = Optional.ofNullable(key).map(String::trim).filter(k -> !k.isEmpty());
        return () -> value;
    }
}
