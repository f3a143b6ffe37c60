package dev.loresmith.secrets;

import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.generate.FallbackReason;
import dev.loresmith.generate.Outcome;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.SecretWatch;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The API key from Secrets Manager (WireMock), its cache, and that it never reaches a log line. */
class SecretsTest extends FlowTest {

    static final String QUEST_JSON = FakeAnthropic.QUEST_JSON;

    SecretsManagerApiKey secretKey() {
        return new SecretsManagerApiKey(aws.secrets(), "arn:aws:secretsmanager:us-east-1:000000000000:secret:loresmith",
                Duration.ofMinutes(5), h.clock, h.logs.log(h.clock));
    }

    @Test
    @DisplayName("a plain secret value is the key, sent as x-api-key, and read again only after the 5-minute TTL")
    void plainSecretCached() {
        aws.secretValue(SecretWatch.API_KEY);
        anthropic.replies(QUEST_JSON);
        h.withApiKeys(secretKey());

        h.generate("quest_description", 1);
        h.generate("quest_description", 2);
        h.clock.advance(Duration.ofMinutes(5));
        h.generate("quest_description", 3);

        assertEquals(SecretWatch.API_KEY, anthropic.requests().get(0).getHeader("x-api-key"));
        assertEquals(2, aws.secretReads());
    }

    @Test
    @DisplayName("a JSON secret {\"apiKey\": ...} works too")
    void jsonSecret() {
        aws.secretValue("{\"apiKey\":\"" + SecretWatch.API_KEY + "\"}");
        anthropic.replies(QUEST_JSON);
        h.withApiKeys(secretKey());

        assertInstanceOf(Outcome.Ready.class, h.generate("quest_description", 1));
        assertEquals(SecretWatch.API_KEY, anthropic.requests().get(0).getHeader("x-api-key"));
    }

    @Test
    @DisplayName("a secret with no value (fresh stack) means no_config; it is not read again per request")
    void emptySecret() {
        h.withApiKeys(secretKey());

        Outcome first = h.generate("quest_description", 1);
        h.generate("quest_description", 2);

        assertEquals(FallbackReason.NO_CONFIG, ((Outcome.Fallback) first).reason());
        assertEquals(1, aws.secretReads());
        assertEquals(0, anthropic.requestCount());
    }

    @Test
    @DisplayName("malformed JSON in the secret means no_config, and no log line quotes the value")
    void malformedJsonSecret() {
        aws.secretValue("{\"apiKey\": \"" + SecretWatch.API_KEY + "\"");
        h.withApiKeys(secretKey());

        Outcome outcome = h.generate("quest_description", 1);

        assertEquals(FallbackReason.NO_CONFIG, ((Outcome.Fallback) outcome).reason());
        h.logs.lines().forEach(line -> assertFalse(line.contains(SecretWatch.API_KEY)));
    }

    @Test
    @DisplayName("an API error that echoes the key back does not bring it into any log line or the item")
    void echoedKeyNotLogged() {
        anthropic.answersRaw(401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key "
                + SecretWatch.API_KEY + "\"}}");

        Outcome outcome = h.generate("quest_description", 1);

        assertEquals("api_error_401", ((Outcome.Fallback) outcome).reason().code());
        assertFalse(h.item("quest_description", 1).text().contains(SecretWatch.API_KEY));
        h.logs.lines().forEach(line -> assertFalse(line.contains(SecretWatch.API_KEY)));
    }
}
