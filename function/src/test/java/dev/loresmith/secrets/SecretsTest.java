package dev.loresmith.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.loresmith.generate.FallbackReason;
import dev.loresmith.generate.Outcome;
import dev.loresmith.item.FollowUp.Kind;
import dev.loresmith.llm.AnthropicTransport;
import dev.loresmith.llm.CallPlan;
import dev.loresmith.llm.LlmReply.Unsendable;
import dev.loresmith.llm.LlmReply;
import dev.loresmith.llm.MessagesPrompt;
import dev.loresmith.secrets.ApiKey.Present;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.SecretWatch;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a line break inside|\\n",
            "a carriage return and line feed|\\r\\n",
            "a zero-width space|\\u200b",
            "a letter above U+00FF|\\u043a",
            "a non-breaking space|\\u00a0"})
    @DisplayName("a key HTTP headers cannot carry is a configuration error: no_config, one ERROR line without the value, no call")
    void keyHeadersCannotCarry(String what, String escaped) {
        String bad = SecretWatch.API_KEY + unescape(escaped) + "tail";
        aws.secretValue(bad);
        anthropic.replies(QUEST_JSON);
        h.withApiKeys(secretKey());

        Outcome first = h.generate("quest_description", 1);
        h.generate("quest_description", 2);

        assertEquals(FallbackReason.NO_CONFIG, ((Outcome.Fallback) first).reason(), what);
        assertEquals(0, anthropic.requestCount());
        List<JsonNode> errors = h.logs.withMessage("api key unusable; requests fall back no_config");
        assertEquals(1, errors.size(), "logged once, not per request");
        assertEquals("ERROR", errors.get(0).path("level").asText());
        assertTrue(errors.get(0).path("problem").asText().contains("HTTP headers cannot carry"));
        h.logs.lines().forEach(line -> assertFalse(line.contains("tail"), line));
    }

    @Test
    @DisplayName("the client never throws on a key it cannot send, and says so without quoting it")
    void clientRefusesUnsendableKey() {
        LlmReply reply = new AnthropicTransport(() -> new Present(SecretWatch.API_KEY + "\n"))
                .send(new CallPlan(dev.loresmith.llm.Provider.ANTHROPIC, anthropic.baseUrl(), "m", 100, true, Duration.ofSeconds(5),
                        MessagesPrompt.of(h.types.find("quest_description").orElseThrow(), null, "m", 100, true)));

        Unsendable unsendable = assertInstanceOf(Unsendable.class, reply);
        assertFalse(unsendable.problem().contains(SecretWatch.API_KEY));
        assertEquals(0, anthropic.requestCount());
    }

    @Test
    @DisplayName("Secrets Manager down with no key read yet: config_unavailable (transient, upgraded later), never no_config")
    void secretsOutageIsNotNoKey() {
        aws.secretsUnavailable();
        h.withApiKeys(secretKey());

        Outcome outcome = h.generate("quest_description", 1);

        assertEquals(FallbackReason.CONFIG_UNAVAILABLE, ((Outcome.Fallback) outcome).reason());
        assertEquals("fallback:config_unavailable", h.item("quest_description", 1).model());
        assertEquals(Kind.UPGRADE, h.item("quest_description", 1).followUp().kind());
        assertEquals(0, anthropic.requestCount());
    }

    @Test
    @DisplayName("Secrets Manager down: requests back off instead of each asking it again; a good key read before keeps serving")
    void secretsOutageBacksOff() {
        aws.secretValue(SecretWatch.API_KEY);
        anthropic.replies(QUEST_JSON);
        SecretsManagerApiKey key = secretKey();
        h.withApiKeys(key);
        h.generate("quest_description", 1);
        h.clock.advance(Duration.ofMinutes(5)); // the cached key is due for a refresh
        aws.secretsUnavailable();

        Outcome during = h.generate("quest_description", 2);
        int readsAfterFirstFailure = aws.secretReads();
        for (int id = 3; id <= 10; id++) {
            h.generate("quest_description", id);
        }

        assertInstanceOf(Outcome.Ready.class, during, "the last good key stands in during the outage");
        assertEquals(readsAfterFirstFailure, aws.secretReads(), "no further reads inside the back-off");
        h.clock.advance(SecretsManagerApiKey.READ_BACKOFF.pauseAfter(1));
        h.generate("quest_description", 11);
        assertTrue(aws.secretReads() > readsAfterFirstFailure, "tried again once the back-off passed");
        assertEquals(1, h.logs.withMessage("api key secret unreadable").stream().filter(l -> l.path("retryInMs").asLong() == 1000).count());
    }

    /** {@code \\n}, {@code \\r} and {@code \\uXXXX} escapes as the characters they stand for. */
    static String unescape(String escaped) {
        return TextNode.valueOf("").asText().isEmpty()
                ? TestJson.parse("\"" + escaped + "\"").asText() : escaped;
    }
}
