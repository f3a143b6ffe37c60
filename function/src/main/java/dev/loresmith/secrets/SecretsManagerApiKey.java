package dev.loresmith.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.Json;
import dev.loresmith.log.StructuredLog;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The API key from a Secrets Manager secret, cached in memory for a short TTL so a rotated key is
 * picked up without a cold start and a warm function does not call Secrets Manager per message.
 * The secret string is the key itself, or a JSON object with an {@code apiKey} field.
 * Failures are logged by class name only: the secret value never reaches a log or an exception.
 */
public final class SecretsManagerApiKey implements ApiKeySource {

    private final SecretsManagerClient secrets;
    private final String secretId;
    private final Duration ttl;
    private final Clock clock;
    private final StructuredLog log;
    private Optional<String> cached = Optional.empty();
    private Instant cachedUntil = Instant.MIN;

    public SecretsManagerApiKey(SecretsManagerClient secrets, String secretId, Duration ttl, Clock clock, StructuredLog log) {
        this.secrets = secrets;
        this.secretId = secretId;
        this.ttl = ttl;
        this.clock = clock;
        this.log = log;
    }

    @Override
    public synchronized Optional<String> apiKey() {
        Instant now = clock.instant();
        if (now.isBefore(cachedUntil)) {
            return cached;
        }
        try {
            String value = secrets.getSecretValue(r -> r.secretId(secretId)).secretString();
            cached = ApiKeySource.fixed(extract(value)).apiKey();
            cachedUntil = now.plus(ttl);
        } catch (ResourceNotFoundException e) {
            // The secret (or its value: a freshly deployed stack's secret has none) does not exist yet:
            // that is "no key", cached like a key so an unconfigured stack does not call Secrets Manager per item.
            log.warn("api key secret has no value", "secretId", secretId);
            cached = Optional.empty();
            cachedUntil = now.plus(ttl);
        } catch (RuntimeException e) {
            // Keep serving the last good key (if any) and try again on the next call.
            log.warn("api key secret unreadable", "secretId", secretId, "error", e.getClass().getSimpleName());
        }
        return cached;
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
