package dev.loresmith.generate;

import dev.loresmith.llm.Provider;
import dev.loresmith.retry.RetryPolicy;

import java.time.Duration;
import java.util.Objects;

/**
 * The flow's tunables, each with its unit in its name; build with {@link #builder()}. Model, max_tokens and base URL here
 * are the built-in defaults; the stack's settings and an operator's overrides on the config item win over them.
 *
 * @param defaultModel     model id unless the config item says otherwise
 * @param defaultMaxTokens max_tokens unless the config item says otherwise
 * @param defaultBaseUrl   Messages API base URL unless the stack's settings say otherwise
 * @param apiTimeout       the longest one call may take
 * @param writeMargin      time kept back from the caller's deadline to write the result after the call
 * @param minCallTime      below this much time left a call is not started: it could only time out (not the provider's fault)
 * @param lease            how long a claim is exclusive; a worker that dies frees its item after this
 * @param commitRetry      how a result whose circuit change conflicted is decided again (then written alone)
 * @param throttles        how long a 429 or a spend-limit answer holds every instance back
 * @param requeue          when a still-pending item is put on the queue again
 */
public record GenerateSettings(String defaultModel, int defaultMaxTokens, String defaultBaseUrl, Duration apiTimeout,
                               Duration writeMargin, Duration minCallTime, Duration lease, RetryPolicy commitRetry,
                               Throttle.Rules throttles, RequeuePolicy requeue) {

    public static final String DEFAULT_MODEL = "claude-sonnet-4-5";
    /** Claude Sonnet 4.5 through Bedrock's global cross-Region inference profile (the template's default too). */
    public static final String DEFAULT_BEDROCK_MODEL = "global.anthropic.claude-sonnet-4-5-20250929-v1:0";
    public static final int DEFAULT_MAX_TOKENS = 1024;
    public static final String DEFAULT_BASE_URL = "https://api.anthropic.com";

    public static final GenerateSettings DEFAULTS = builder().build();

    public GenerateSettings {
        Objects.requireNonNull(commitRetry, "commitRetry");
        Objects.requireNonNull(throttles, "throttles");
        Objects.requireNonNull(requeue, "requeue");
        if (defaultModel == null || defaultModel.isBlank()) {
            throw new IllegalArgumentException("defaultModel must not be blank, got '" + defaultModel + "'");
        }
        if (defaultMaxTokens < 1) {
            throw new IllegalArgumentException("defaultMaxTokens must be positive, got " + defaultMaxTokens);
        }
        if (lease.compareTo(apiTimeout.multipliedBy(2).plus(writeMargin)) <= 0) {
            // two calls fit in one lease: a schema-rejecting endpoint is retried once without the schema
            throw new IllegalArgumentException("lease must outlast two API calls + writeMargin, or a live worker could lose its item; got lease "
                    + lease + ", apiTimeout " + apiTimeout + ", writeMargin " + writeMargin);
        }
        if (minCallTime.isNegative()) {
            throw new IllegalArgumentException("minCallTime must not be negative, got " + minCallTime);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The built-in model of {@code provider}: {@link #defaultModel()} for Anthropic, {@link #DEFAULT_BEDROCK_MODEL} for Bedrock. */
    public String defaultModel(Provider provider) {
        return switch (provider) {
            case ANTHROPIC -> defaultModel;
            case BEDROCK -> DEFAULT_BEDROCK_MODEL;
        };
    }

    public Builder toBuilder() {
        return new Builder().defaultModel(defaultModel).defaultMaxTokens(defaultMaxTokens).defaultBaseUrl(defaultBaseUrl)
                .apiTimeout(apiTimeout).writeMargin(writeMargin).minCallTime(minCallTime).lease(lease).commitRetry(commitRetry)
                .throttles(throttles).requeue(requeue);
    }

    /** Named construction; every value starts at its default. */
    public static final class Builder {
        private String defaultModel = DEFAULT_MODEL;
        private int defaultMaxTokens = DEFAULT_MAX_TOKENS;
        private String defaultBaseUrl = DEFAULT_BASE_URL;
        private Duration apiTimeout = Duration.ofSeconds(30);
        private Duration writeMargin = Duration.ofSeconds(2);
        private Duration minCallTime = Duration.ofSeconds(1);
        private Duration lease = Duration.ofMinutes(2);
        private RetryPolicy commitRetry = RetryPolicy.attempts(5).backoff(Duration.ofMillis(20), Duration.ofMillis(200)).withJitter();
        private Throttle.Rules throttles = Throttle.Rules.DEFAULTS;
        private RequeuePolicy requeue = RequeuePolicy.DEFAULTS;

        private Builder() {
        }

        public Builder defaultModel(String value) {
            defaultModel = value;
            return this;
        }

        public Builder defaultMaxTokens(int value) {
            defaultMaxTokens = value;
            return this;
        }

        public Builder defaultBaseUrl(String value) {
            defaultBaseUrl = value;
            return this;
        }

        public Builder apiTimeout(Duration value) {
            apiTimeout = value;
            return this;
        }

        public Builder writeMargin(Duration value) {
            writeMargin = value;
            return this;
        }

        public Builder minCallTime(Duration value) {
            minCallTime = value;
            return this;
        }

        public Builder lease(Duration value) {
            lease = value;
            return this;
        }

        public Builder commitRetry(RetryPolicy value) {
            commitRetry = value;
            return this;
        }

        public Builder throttles(Throttle.Rules value) {
            throttles = value;
            return this;
        }

        public Builder requeue(RequeuePolicy value) {
            requeue = value;
            return this;
        }

        public GenerateSettings build() {
            return new GenerateSettings(defaultModel, defaultMaxTokens, defaultBaseUrl, apiTimeout, writeMargin, minCallTime, lease,
                    commitRetry, throttles, requeue);
        }
    }
}
