package dev.loresmith.llm;

import java.time.Duration;
import java.util.Objects;

/**
 * One call to a provider, decided before it is made: the provider, where (Anthropic's base URL; other providers
 * resolve their own endpoint), the model, the time it may take, whether the type's schema is sent (structured
 * outputs), and the request body as sent. A value: the flow plans, a {@link Transport} sends. Holds no secret.
 */
public record CallPlan(Provider provider, String baseUrl, String model, int maxTokens, boolean structured, Duration timeout,
                       MessagesPrompt prompt) {

    public CallPlan {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(prompt, "prompt");
    }

    /** This plan's provider, endpoint and model as one key (what structured-output support is remembered by). */
    public String endpointAndModel() {
        return endpointAndModel(provider, baseUrl, model);
    }

    public static String endpointAndModel(Provider provider, String baseUrl, String model) {
        return provider.wireName() + " " + (baseUrl == null ? "" : baseUrl) + " " + model;
    }
}
