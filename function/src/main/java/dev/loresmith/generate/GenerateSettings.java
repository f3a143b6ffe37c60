package dev.loresmith.generate;

import java.time.Duration;

/**
 * The flow's tunables, each with its unit in its name.
 *
 * @param defaultModel      model id unless the config item overrides it
 * @param defaultMaxTokens  max_tokens unless the config item overrides it
 * @param apiTimeout        the longest one API call may take
 * @param writeMargin       time kept back from the caller's deadline to write the result after the call
 * @param lease             how long a claim is exclusive; a worker that dies frees its item after this
 * @param maxCommitAttempts attempts to commit a result with its circuit change before writing the result alone
 */
public record GenerateSettings(String defaultModel, int defaultMaxTokens, Duration apiTimeout, Duration writeMargin,
                               Duration lease, int maxCommitAttempts) {

    public static final String DEFAULT_MODEL = "claude-sonnet-4-5";

    public static final GenerateSettings DEFAULTS = new GenerateSettings(
            DEFAULT_MODEL, 1024, Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofMinutes(2), 5);

    public GenerateSettings {
        if (defaultModel == null || defaultModel.isBlank()) {
            throw new IllegalArgumentException("defaultModel must not be blank");
        }
        if (defaultMaxTokens < 1 || maxCommitAttempts < 1) {
            throw new IllegalArgumentException("defaultMaxTokens and maxCommitAttempts must be positive");
        }
        if (lease.compareTo(apiTimeout.plus(writeMargin)) <= 0) {
            throw new IllegalArgumentException("lease must outlast apiTimeout + writeMargin, or a live worker could lose its item");
        }
    }

    public GenerateSettings withApiTimeout(Duration timeout) {
        return new GenerateSettings(defaultModel, defaultMaxTokens, timeout, writeMargin, lease, maxCommitAttempts);
    }
}
