package dev.loresmith.generate;

import dev.loresmith.storage.ProviderConfig;

import java.time.Duration;

/**
 * The flow's tunables, each with its unit in its name. Model, max_tokens and base URL here are the
 * built-in defaults; the stack's settings and an operator's overrides on the config item win over them.
 *
 * @param defaultModel        model id unless the config item says otherwise
 * @param defaultMaxTokens    max_tokens unless the config item says otherwise
 * @param defaultBaseUrl      Messages API base URL unless the stack's settings say otherwise
 * @param apiTimeout          the longest one API call may take
 * @param writeMargin         time kept back from the caller's deadline to write the result after the call
 * @param lease               how long a claim is exclusive; a worker that dies frees its item after this
 * @param maxCommitAttempts   attempts to commit a result with its circuit change before writing the result alone
 * @param defaultThrottle     how long a 429 without retry information holds every instance back
 * @param maxThrottle         the longest any 429 may hold every instance back
 * @param spendLimitThrottle  how long a spend-limit answer holds every instance back (then one call checks again)
 * @param requeueAfter        after a claim, how long until the sweep puts a still-pending item on the queue again — longer
 *                            than the lease plus the queue's own redeliveries, so it only acts when worker and message are both lost
 */
public record GenerateSettings(String defaultModel, int defaultMaxTokens, String defaultBaseUrl, Duration apiTimeout,
                               Duration writeMargin, Duration lease, int maxCommitAttempts, Duration defaultThrottle,
                               Duration maxThrottle, Duration spendLimitThrottle, Duration requeueAfter) {

    public static final String DEFAULT_MODEL = "claude-sonnet-4-5";
    public static final String DEFAULT_BASE_URL = "https://api.anthropic.com";

    public static final GenerateSettings DEFAULTS = new GenerateSettings(
            DEFAULT_MODEL, 1024, DEFAULT_BASE_URL, Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofMinutes(2), 5,
            Duration.ofSeconds(30), Duration.ofMinutes(15), Duration.ofHours(1), Duration.ofMinutes(30));

    public GenerateSettings {
        if (defaultModel == null || defaultModel.isBlank()) {
            throw new IllegalArgumentException("defaultModel must not be blank");
        }
        if (defaultMaxTokens < 1 || maxCommitAttempts < 1) {
            throw new IllegalArgumentException("defaultMaxTokens and maxCommitAttempts must be positive");
        }
        if (lease.compareTo(apiTimeout.multipliedBy(2).plus(writeMargin)) <= 0) {
            // two calls fit in one lease: a schema-rejecting endpoint is retried once without the schema
            throw new IllegalArgumentException("lease must outlast two API calls + writeMargin, or a live worker could lose its item");
        }
        if (defaultThrottle.compareTo(Duration.ofSeconds(60)) > 0 || maxThrottle.compareTo(defaultThrottle) < 0) {
            throw new IllegalArgumentException("defaultThrottle must be at most 60 s and maxThrottle at least defaultThrottle");
        }
        if (maxThrottle.compareTo(ProviderConfig.LONGEST_THROTTLE) > 0 || spendLimitThrottle.compareTo(ProviderConfig.LONGEST_THROTTLE) > 0) {
            throw new IllegalArgumentException("maxThrottle and spendLimitThrottle must be at most " + ProviderConfig.LONGEST_THROTTLE
                    + ": a longer stored throttle reads as a hand edit and is ignored");
        }
    }

    public GenerateSettings withApiTimeout(Duration timeout) {
        return new GenerateSettings(defaultModel, defaultMaxTokens, defaultBaseUrl, timeout, writeMargin, lease, maxCommitAttempts,
                defaultThrottle, maxThrottle, spendLimitThrottle, requeueAfter);
    }

    public GenerateSettings withDefaultBaseUrl(String baseUrl) {
        return new GenerateSettings(defaultModel, defaultMaxTokens, baseUrl, apiTimeout, writeMargin, lease, maxCommitAttempts,
                defaultThrottle, maxThrottle, spendLimitThrottle, requeueAfter);
    }
}
