package dev.loresmith.storage;

import dev.loresmith.llm.Provider;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Settings chosen at deploy time (template parameters), written to the stack item of the circuit/config table by the
 * stack's custom resource and read with it on every request — so a changed parameter takes effect at once, without
 * depending on a new function version reaching the alias.
 *
 * @param model        Anthropic's model ({@code ModelId})
 * @param providers    the providers in preference order ({@code Providers}); null: Anthropic alone
 * @param bedrockModel Bedrock's model or inference-profile id ({@code BedrockModelId})
 */
public record StackSettings(String model, Integer maxTokens, String baseUrl, Long tokenBudget, List<Provider> providers,
                            String bedrockModel) {

    public static final StackSettings NONE = new StackSettings(null, null, null, null, null, null);

    public StackSettings {
        providers = providers == null ? null : List.copyOf(providers);
    }

    /** Settings with the default provider order (Anthropic alone). */
    public StackSettings(String model, Integer maxTokens, String baseUrl, Long tokenBudget) {
        this(model, maxTokens, baseUrl, tokenBudget, null, null);
    }

    /** What a model id (or an operator's override) may be: the model ids of every provider fit it. */
    public static final Pattern MODEL_ID = Pattern.compile("[a-zA-Z0-9._:-]{1,128}");
    /** The largest {@code max_tokens} a setting may give. */
    public static final int MAX_TOKENS_LIMIT = 128_000;

    /** Hosts a base URL may name over plain http: this machine, or the host of a local container. */
    private static final Set<String> LOCAL_HOSTS = Set.of("localhost", "127.0.0.1", "[::1]", "host.docker.internal");
    static final int MAX_BASE_URL_LENGTH = 200;

    /**
     * Why {@code url} cannot be the Messages API base URL, or empty if it can. The API key travels to it, so it
     * must be https — plain http only to this machine or a local container's host (a local stand-in) — and
     * carry no credentials, query or fragment. Never names the value (it may be anything an operator typed).
     */
    public static Optional<String> baseUrlProblem(String url) {
        if (url == null || url.isEmpty() || url.length() > MAX_BASE_URL_LENGTH) {
            return Optional.of("must be 1 to " + MAX_BASE_URL_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return Optional.of("is not a URL");
        }
        if (uri.getHost() == null) {
            return Optional.of("has no host");
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            return Optional.of("must not carry credentials, a query or a fragment");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("https") || (scheme.equals("http") && LOCAL_HOSTS.contains(uri.getHost().toLowerCase(Locale.ROOT)))) {
            return Optional.empty();
        }
        return Optional.of("must be https (http only to localhost or host.docker.internal): the API key is sent to it");
    }

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

    public Optional<List<Provider>> providerOrder() {
        return Optional.ofNullable(providers);
    }

    public Optional<String> bedrockModelId() {
        return Optional.ofNullable(bedrockModel);
    }
}
