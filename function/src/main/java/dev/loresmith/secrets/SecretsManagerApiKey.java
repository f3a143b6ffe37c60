package dev.loresmith.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.Json;
import dev.loresmith.log.ErrorSummary;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.retry.RetryPolicy;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The API key from a Secrets Manager secret, cached in memory for a short TTL so a rotated key is
 * picked up without a cold start and a warm function does not call Secrets Manager per message.
 * The secret string is the key itself, or a JSON object with an {@code apiKey} field.
 *
 * <p>A failed read is not "no key": the last good key keeps being served (for at most {@code ttl} more),
 * and without one the answer is {@link ApiKey.Unavailable}. After a failure, Secrets Manager is not asked
 * again until a back-off has passed (1 s, doubling to 30 s), so an outage costs one call per back-off per
 * environment, not one per message. Failures are logged by class and error code only: the secret value
 * never reaches a log or an exception. (An unusable key is logged, once, by the flow that meets it.)
 */
public final class SecretsManagerApiKey implements ApiKeySource {

    /** After a failed read, Secrets Manager is not asked again for 1 s, doubling to 30 s (per execution environment). */
    static final RetryPolicy READ_BACKOFF = RetryPolicy.attempts(Integer.MAX_VALUE).backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));

    private final SecretsManagerClient secrets;
    private final String secretId;
    private final Duration ttl;
    private final Clock clock;
    private final StructuredLog log;

    private ApiKey cached = new ApiKey.Unavailable("not read yet");
    private Instant cachedUntil = Instant.MIN;
    /** The last good key and until when it may still stand in during an outage. */
    private ApiKey.Present lastGood;
    private Instant lastGoodUntil = Instant.MIN;
    private int failedReads;
    private Instant nextAttempt = Instant.MIN;

    public SecretsManagerApiKey(SecretsManagerClient secrets, String secretId, Duration ttl, Clock clock, StructuredLog log) {
        this.secrets = secrets;
        this.secretId = secretId;
        this.ttl = ttl;
        this.clock = clock;
        this.log = log;
    }

    @Override
    public synchronized ApiKey apiKey() {
        Instant now = clock.instant();
        if (now.isBefore(cachedUntil)) {
            return cached;
        }
        if (now.isBefore(nextAttempt)) {
            return duringOutage(now);
        }
        try {
            ApiKey key = ApiKey.of(extract(secrets.getSecretValue(r -> r.secretId(secretId)).secretString()));
            remember(key, now);
        } catch (ResourceNotFoundException e) {
            // The secret (or its value: a freshly deployed stack's secret has none) does not exist yet:
            // that is "no key", cached like a key so an unconfigured stack does not call Secrets Manager per item.
            remember(new ApiKey.Absent("the secret has no value"), now);
        } catch (RuntimeException e) {
            Duration backoff = READ_BACKOFF.pauseAfter(++failedReads);
            nextAttempt = now.plus(backoff);
            log.warn("api key secret unreadable", "secretId", secretId, "error", ErrorSummary.of(e),
                    "retryInMs", backoff.toMillis(), "servingLastGoodKey", lastGood != null && now.isBefore(lastGoodUntil));
            return duringOutage(now);
        }
        return cached;
    }

    private void remember(ApiKey key, Instant now) {
        cached = key;
        cachedUntil = now.plus(ttl);
        failedReads = 0;
        nextAttempt = Instant.MIN;
        if (key instanceof ApiKey.Present present) {
            lastGood = present;
            lastGoodUntil = cachedUntil.plus(ttl);
        }
    }

    private ApiKey duringOutage(Instant now) {
        if (lastGood != null && now.isBefore(lastGoodUntil)) {
            return lastGood;
        }
        return new ApiKey.Unavailable("Secrets Manager could not be read");
    }

    private static String extract(String value) {
        if (value == null) {
            return null;
        }
        String trimmed = value.trim();
        if (trimmed.startsWith("{")) {
            try {
                JsonNode node = Json.read(trimmed);
                return node.path("apiKey").asText(null);
            } catch (Exception e) {
                return null; // unparseable JSON: treat as no key rather than send garbage as a key
            }
        }
        return trimmed;
    }
}
