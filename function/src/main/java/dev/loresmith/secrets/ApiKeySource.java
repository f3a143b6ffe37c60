package dev.loresmith.secrets;

/** Where the Anthropic API key comes from. Never throws: a failure to read is {@link ApiKey.Unavailable}. */
public interface ApiKeySource {

    ApiKey apiKey();

    /** A fixed key (local runs: {@code ANTHROPIC_API_KEY}); blank counts as none. */
    static ApiKeySource fixed(String key) {
        ApiKey value = ApiKey.of(key);
        return () -> value;
    }
}
