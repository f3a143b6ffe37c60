package dev.loresmith.generate;

import dev.loresmith.circuit.CallResult;
import dev.loresmith.content.ContentType;
import dev.loresmith.content.ContentTypes;
import dev.loresmith.llm.CallPlan;
import dev.loresmith.llm.LlmReply;
import dev.loresmith.llm.MessagesPrompt;
import dev.loresmith.llm.Provider;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every kind of reply, judged without a call: the verdict, what it means for the circuit, the throttle, the tokens. */
class JudgementTest {

    static final ContentType QUEST = ContentTypes.bundled().find("quest_description").orElseThrow();
    static final String QUEST_JSON = "{\"title\":\"The Drowned Bell\",\"description\":\"Dive for the bell.\"}";
    static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    static final Duration API_TIMEOUT = GenerateSettings.DEFAULTS.apiTimeout();
    static final LlmReply.Usage USAGE = new LlmReply.Usage(1500, 60, 0, 1400);

    static CallPlan plan(boolean structured, Duration timeout) {
        return new CallPlan(Provider.ANTHROPIC, "https://api.anthropic.com", "claude-sonnet-4-5", 1024, structured, timeout,
                MessagesPrompt.of(QUEST, null, "claude-sonnet-4-5", 1024, structured));
    }

    static Judgement judge(LlmReply reply) {
        return Judgement.of(plan(true, API_TIMEOUT), reply, QUEST, NOW, Throttle.Rules.DEFAULTS, API_TIMEOUT);
    }

    static LlmReply answer(String text, String stop) {
        return new LlmReply.Answer(text, stop, "claude-sonnet-4-5-20250929", USAGE);
    }

    static Stream<Arguments> replies() {
        return Stream.of(
                Arguments.of("the type's document", answer(QUEST_JSON, "end_turn"), "generated", CallResult.SUCCESS, Outcome.Call.ANSWERED),
                Arguments.of("the document in a code fence", answer("```json\n" + QUEST_JSON + "\n```", "end_turn"), "generated",
                        CallResult.SUCCESS, Outcome.Call.ANSWERED),
                Arguments.of("stop_sequence", answer(QUEST_JSON, "stop_sequence"), "generated", CallResult.SUCCESS, Outcome.Call.ANSWERED),
                Arguments.of("prose", answer("Here is a quest.", "end_turn"), "invalid_json", CallResult.COUNTED_FAILURE, Outcome.Call.ANSWERED),
                Arguments.of("a missing field", answer("{\"title\":\"T\"}", "end_turn"), "invalid_json", CallResult.COUNTED_FAILURE,
                        Outcome.Call.ANSWERED),
                Arguments.of("only a limit broken", answer("{\"title\":\" \",\"description\":\"D\"}", "end_turn"), "invalid_json",
                        CallResult.NOT_COUNTED, Outcome.Call.ANSWERED),
                Arguments.of("tool_use", answer(QUEST_JSON, "tool_use"), "invalid_json", CallResult.COUNTED_FAILURE, Outcome.Call.ANSWERED),
                Arguments.of("an unknown stop reason", answer(QUEST_JSON, "brand_new"), "invalid_json", CallResult.COUNTED_FAILURE,
                        Outcome.Call.ANSWERED),
                Arguments.of("refusal", answer("", "refusal"), "refused", CallResult.NOT_COUNTED, Outcome.Call.ANSWERED),
                Arguments.of("max_tokens", answer("{\"title\":", "max_tokens"), "truncated", CallResult.NOT_COUNTED, Outcome.Call.ANSWERED),
                Arguments.of("context window exceeded", answer("", "model_context_window_exceeded"), "truncated", CallResult.NOT_COUNTED,
                        Outcome.Call.ANSWERED),
                Arguments.of("a 2xx that is not a Messages response", new LlmReply.Unreadable("not JSON"), "invalid_json",
                        CallResult.COUNTED_FAILURE, Outcome.Call.FAILED),
                Arguments.of("500", new LlmReply.HttpError(500), "api_error_500", CallResult.COUNTED_FAILURE, Outcome.Call.FAILED),
                Arguments.of("529 overloaded", new LlmReply.HttpError(529), "api_error_529", CallResult.COUNTED_FAILURE, Outcome.Call.FAILED),
                Arguments.of("401", new LlmReply.HttpError(401), "api_error_401", CallResult.COUNTED_FAILURE, Outcome.Call.FAILED),
                Arguments.of("429", new LlmReply.HttpError(429), "rate_limited", CallResult.NOT_COUNTED, Outcome.Call.FAILED),
                Arguments.of("spend limit", new LlmReply.HttpError(400, LlmReply.Problem.SPEND_LIMIT, LlmReply.RetryAfter.NONE), "rate_limited",
                        CallResult.NOT_COUNTED, Outcome.Call.FAILED),
                Arguments.of("schema field rejected", new LlmReply.HttpError(400, LlmReply.Problem.STRUCTURED_OUTPUT_REJECTED,
                        LlmReply.RetryAfter.NONE), "api_error_400", CallResult.NOT_COUNTED, Outcome.Call.FAILED),
                Arguments.of("a connection error", LlmReply.NetworkError.failed("ConnectException"), "network_error",
                        CallResult.COUNTED_FAILURE, Outcome.Call.FAILED),
                Arguments.of("a timeout after the full 30 s", LlmReply.NetworkError.timedOutAfter(API_TIMEOUT), "network_error",
                        CallResult.COUNTED_FAILURE, Outcome.Call.FAILED),
                Arguments.of("a key HTTP cannot carry", new LlmReply.Unsendable("request could not be built"), "no_config",
                        CallResult.NOT_COUNTED, Outcome.Call.FAILED));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("replies")
    void theTable(String what, LlmReply reply, String code, CallResult circuit, Outcome.Call call) {
        Judgement judgement = judge(reply);
        String got = judgement.verdict() instanceof Judgement.Failed f ? f.reason().code() : "generated";
        assertEquals(code, got, what);
        assertEquals(circuit, judgement.circuit(), what);
        assertEquals(call, judgement.call(), what);
        assertEquals(reply instanceof LlmReply.Answer ? USAGE : LlmReply.Usage.NONE, judgement.spent(), "an answer's tokens are spent whatever it is worth");
    }

    static Stream<Arguments> surrogates() {
        return Stream.of(
                // as JSON escapes inside the model's JSON, and as characters the API's own JSON escapes put in the text
                Arguments.of("an escaped lone high surrogate", "{\"title\":\"The \\ud800Drowned Bell\",\"description\":\"Dive.\"}",
                        "The Drowned Bell"),
                Arguments.of("an escaped lone low surrogate", "{\"title\":\"The Drowned Bell\\udc00\",\"description\":\"Dive.\"}",
                        "The Drowned Bell"),
                Arguments.of("a lone surrogate character", "{\"title\":\"The Drowned\ud800 Bell\",\"description\":\"Dive.\"}",
                        "The Drowned Bell"),
                Arguments.of("a reversed pair", "{\"title\":\"The \udc00\ud800Drowned Bell\",\"description\":\"Dive.\"}",
                        "The Drowned Bell"),
                Arguments.of("a proper pair is kept", "{\"title\":\"The Drowned \\ud83d\\udd14 Bell\",\"description\":\"Dive.\"}",
                        "The Drowned \ud83d\udd14 Bell"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("surrogates")
    @DisplayName("a reply with a lone surrogate is cleaned before it is judged: stored text is always valid UTF-8 (DynamoDB and EventBridge take nothing else)")
    void loneSurrogatesCleaned(String what, String reply, String title) {
        Judgement.Generated generated = assertInstanceOf(Judgement.Generated.class, judge(answer(reply, "end_turn")).verdict(), what);
        assertEquals(title, TestJson.parse(generated.json()).path("title").asText(), what);
        assertTrue(StandardCharsets.UTF_8.newEncoder().canEncode(generated.json()), what + ": encodes as UTF-8");
    }

    @Test
    @DisplayName("a field that was nothing but lone surrogates is empty once cleaned: a limit broken, not counted")
    void onlySurrogates() {
        Judgement judgement = judge(answer("{\"title\":\"\\ud800\\ud800\",\"description\":\"Dive.\"}", "end_turn"));
        assertEquals(FallbackReason.INVALID_JSON_LIMITS, ((Judgement.Failed) judgement.verdict()).reason());
        assertEquals(CallResult.NOT_COUNTED, judgement.circuit());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "as the API reports it|1234|56|0|1100|1400",
            "a negative count is none: it cannot offset the others|-1000000|56|0|0|56",
            "a count no call can reach is the most one can (10 million): it cannot wrap the sum negative|9223372036854775807|9223372036854775807|0|0|20000000"})
    @DisplayName("the usage a reply reports is bounded before it is counted against the budget")
    void usageBounded(String what, long input, long output, long cacheWrites, long cacheReads, long budgetTokens) {
        assertEquals(budgetTokens, new LlmReply.Usage(input, output, cacheWrites, cacheReads).budgetTokens(), what);
    }

    @Test
    @DisplayName("a generated item records the model it was asked for, not the dated snapshot the API echoes")
    void requestedModel() {
        Judgement.Generated generated = assertInstanceOf(Judgement.Generated.class, judge(answer(QUEST_JSON, "end_turn")).verdict());
        assertEquals("claude-sonnet-4-5", generated.model());
    }

    @Test
    @DisplayName("a timeout inside a call our own deadline shortened is no_time, never counted")
    void deadlineShortenedTimeout() {
        Duration shortened = Duration.ofSeconds(4);
        Judgement judgement = Judgement.of(plan(true, shortened), LlmReply.NetworkError.timedOutAfter(shortened), QUEST, NOW,
                Throttle.Rules.DEFAULTS, API_TIMEOUT);
        assertEquals(FallbackReason.NO_TIME, ((Judgement.Failed) judgement.verdict()).reason());
        assertEquals(CallResult.NOT_COUNTED, judgement.circuit());
    }

    @Test
    @DisplayName("the schema field rejected: degrade and call again — only when the schema was sent")
    void schemaRejected() {
        LlmReply rejected = new LlmReply.HttpError(400, LlmReply.Problem.STRUCTURED_OUTPUT_REJECTED, LlmReply.RetryAfter.NONE);
        assertTrue(judge(rejected).schemaRejected());
        assertFalse(Judgement.of(plan(false, API_TIMEOUT), rejected, QUEST, NOW, Throttle.Rules.DEFAULTS, API_TIMEOUT).schemaRejected());
    }

    static Stream<Arguments> throttles() {
        Throttle.Rules rules = Throttle.Rules.DEFAULTS;
        return Stream.of(
                Arguments.of("429 without a hint", LlmReply.RetryAfter.NONE, Optional.of(NOW.plus(rules.otherwise()))),
                Arguments.of("retry-after 12 s", new LlmReply.RetryAfter(Optional.of(Duration.ofSeconds(12)), Optional.empty()),
                        Optional.of(NOW.plusSeconds(12))),
                Arguments.of("a reset time", new LlmReply.RetryAfter(Optional.empty(), Optional.of(NOW.plusSeconds(40))),
                        Optional.of(NOW.plusSeconds(40))),
                Arguments.of("a hint past the cap", new LlmReply.RetryAfter(Optional.of(Duration.ofHours(5)), Optional.empty()),
                        Optional.of(NOW.plus(rules.longest()))),
                // A hint that is not in the future says nothing usable: the 429 still holds everyone back, for the default.
                Arguments.of("retry-after 0", new LlmReply.RetryAfter(Optional.of(Duration.ZERO), Optional.empty()),
                        Optional.of(NOW.plus(rules.otherwise()))),
                Arguments.of("a date or reset time in the past", new LlmReply.RetryAfter(Optional.empty(), Optional.of(NOW.minusSeconds(3))),
                        Optional.of(NOW.plus(rules.otherwise()))),
                Arguments.of("a date or reset time of exactly now", new LlmReply.RetryAfter(Optional.empty(), Optional.of(NOW)),
                        Optional.of(NOW.plus(rules.otherwise()))),
                Arguments.of("a hint under the shortest hold", new LlmReply.RetryAfter(Optional.of(Duration.ofMillis(1)), Optional.empty()),
                        Optional.of(NOW.plus(Throttle.Rules.SHORTEST))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("throttles")
    void a429HoldsEveryoneBack(String what, LlmReply.RetryAfter hint, Optional<Instant> until) {
        Judgement judgement = judge(new LlmReply.HttpError(429, LlmReply.Problem.OTHER, hint));
        assertEquals(until, judgement.throttle().map(Throttle::until), what);
        judgement.throttle().ifPresent(t -> assertEquals(Throttle.Kind.RATE_LIMITED, t.kind()));
    }

    @Test
    @DisplayName("a spend-limit answer holds calls back an hour, as a spend limit")
    void spendLimit() {
        Throttle throttle = judge(new LlmReply.HttpError(402, LlmReply.Problem.SPEND_LIMIT, LlmReply.RetryAfter.NONE)).throttle().orElseThrow();
        assertEquals(new Throttle(NOW.plus(Throttle.Rules.DEFAULTS.spendLimit()), Throttle.Kind.SPEND_LIMIT), throttle);
    }

    @Test
    @DisplayName("other failures ask for no throttle")
    void noThrottle() {
        assertEquals(Optional.empty(), judge(new LlmReply.HttpError(503)).throttle());
        assertEquals(Optional.empty(), judge(answer(QUEST_JSON, "end_turn")).throttle());
    }
}
