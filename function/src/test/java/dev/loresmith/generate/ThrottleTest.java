package dev.loresmith.generate;

import dev.loresmith.circuit.CircuitState;
import dev.loresmith.item.Claim.Kind;
import dev.loresmith.storage.ProviderConfig;
import dev.loresmith.testing.Circuits;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.handler.Wiring;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.SecretWatch;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One shared back-off for rate limits: a 429 seen by one instance holds every instance back, within bounds. */
class ThrottleTest extends FlowTest {

    static final String RATE_LIMITED = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Number of requests has exceeded your rate limit\"}}";

    @Test
    @DisplayName("one instance's 429 with retry-after: 5 holds another instance back for 5 s of clock, then it calls")
    void sharedAcrossInstances() {
        GenerateContent first = h.flow();
        anthropic.answers(429, Map.of("retry-after", "5"), RATE_LIMITED);
        assertEquals(FallbackReason.RATE_LIMITED, ((Outcome.Fallback) generate(first, 1)).reason());
        assertEquals(1, anthropic.requestCount());

        anthropic.replies(FakeAnthropic.QUEST_JSON); // (restarts the fake's count)
        GenerateContent second = h.withApiKey(SecretWatch.API_KEY).flow(); // another execution environment
        for (int second1 = 0; second1 < 5; second1++) {
            Outcome held = generate(second, 10 + second1);
            assertEquals(FallbackReason.RATE_LIMITED, ((Outcome.Fallback) held).reason());
            assertTrue(((Outcome.Fallback) held).conditions().throttled(), "a call avoided, for the ThrottledCalls metric");
            h.clock.advance(Duration.ofSeconds(1));
        }
        assertEquals(0, anthropic.requestCount(), "no call while the throttle held");

        assertInstanceOf(Outcome.Ready.class, generate(second, 20));
        assertEquals(1, anthropic.requestCount());
        assertEquals(CircuitState.CLOSED, h.circuitRecord().state());
        assertEquals(0, h.circuitRecord().failureCount(), "rate limits are not counted");
    }

    Outcome generate(GenerateContent flow, long id) {
        return flow.generate(h.request("quest_description", Long.toString(id), null), Kind.REQUEST,
                h.now().plus(Duration.ofMinutes(10)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "retry-after in seconds|retry-after|7|7000",
            "retry-after as a fraction|retry-after|2.5|2500",
            "retry-after over the 15-minute cap|retry-after|3600|900000",
            "retry-after that is not a number or a date: the 30 s default|retry-after|soon|30000",
            "no retry information: the 30 s default|x-nothing|1|30000",
            "retry-after: 0 still holds, for the 30 s default|retry-after|0|30000",
            "retry-after negative: the 30 s default|retry-after|-5|30000",
            "retry-after NaN: the 30 s default|retry-after|NaN|30000"})
    @DisplayName("how long a 429 holds calls back")
    void throttleLength(String what, String header, String value, long expectedMillis) {
        anthropic.answers(429, Map.of(header, value), RATE_LIMITED);
        Instant at = h.now();

        h.generate("quest_description", 1);

        assertEquals(at.plusMillis(expectedMillis), h.providerConfig().throttledUntil(), what);
        assertEquals("rate_limited", h.providerConfig().throttleReason());
    }

    @Test
    @DisplayName("retry-after as an HTTP date is honoured")
    void httpDate() {
        Instant until = h.now().plusSeconds(42);
        anthropic.answers(429, Map.of("retry-after", DateTimeFormatter.RFC_1123_DATE_TIME.format(until.atZone(ZoneOffset.UTC))), RATE_LIMITED);

        h.generate("quest_description", 1);

        assertEquals(until, h.providerConfig().throttledUntil());
    }

    @Test
    @DisplayName("a retry-after date or reset headers in the past still hold every instance back, for the 30 s default")
    void hintsInThePastStillHold() {
        String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(h.now().minusSeconds(90).atZone(ZoneOffset.UTC));
        anthropic.answers(429, Map.of("retry-after", past), RATE_LIMITED);
        h.generate("quest_description", 1);
        assertEquals(h.now().plusSeconds(30), h.providerConfig().throttledUntil(), "an HTTP date in the past");

        h.clock.advance(Duration.ofSeconds(31));
        anthropic.answers(429, Map.of("anthropic-ratelimit-requests-remaining", "0",
                "anthropic-ratelimit-requests-reset", h.now().minusSeconds(5).toString()), RATE_LIMITED);
        h.generate("quest_description", 2);
        assertEquals(h.now().plusSeconds(30), h.providerConfig().throttledUntil(), "reset headers in the past");

        int calls = anthropic.requestCount();
        for (int id = 3; id < 13; id++) {
            assertEquals(FallbackReason.RATE_LIMITED, ((Outcome.Fallback) h.generate("quest_description", id)).reason());
        }
        assertEquals(calls, anthropic.requestCount(), "ten requests, no call: the throttle holds");
    }

    @Test
    @DisplayName("without retry-after, the reset time of the exhausted limit (RFC 3339) is used")
    void rateLimitResetHeaders() {
        Instant reset = h.now().plusSeconds(12);
        anthropic.answers(429, Map.of("anthropic-ratelimit-tokens-remaining", "0",
                "anthropic-ratelimit-tokens-reset", reset.toString(),
                "anthropic-ratelimit-requests-remaining", "40",
                "anthropic-ratelimit-requests-reset", h.now().plusSeconds(600).toString()), RATE_LIMITED);

        h.generate("quest_description", 1);

        assertEquals(reset, h.providerConfig().throttledUntil(), "the limit that is exhausted, not the one with room");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "429 enforced_spend_limit_reached|429|{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"You have reached your API usage limits: your organization has crossed its monthly API usage threshold. You will regain access on 2026-12-01 at 00:00 UTC.\",\"details\":{\"error_code\":\"enforced_spend_limit_reached\"}}}",
            "400 specified API usage limits|400|{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"You have reached your specified API usage limits. You will regain access on 2026-12-01 at 00:00 UTC.\"}}",
            "400 credit balance too low|400|{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"Your credit balance is too low to access the Anthropic API.\"}}",
            "402 billing_error|402|{\"type\":\"error\",\"error\":{\"type\":\"billing_error\",\"message\":\"billing\"}}"})
    @DisplayName("a spend limit is not a passing throttle: rate_limited, held back an hour, its own metric, never counted")
    void spendLimit(String what, int status, String body) {
        anthropic.answers(status, Map.of(), body);

        Outcome outcome = h.generate("quest_description", 1);
        Outcome next = h.generate("quest_description", 2);

        Outcome.Fallback fallback = (Outcome.Fallback) outcome;
        assertEquals(FallbackReason.RATE_LIMITED, fallback.reason(), what);
        assertTrue(fallback.conditions().spendLimit());
        assertEquals(h.now().plus(Duration.ofHours(1)), h.providerConfig().throttledUntil());
        assertEquals("spend_limit", h.providerConfig().throttleReason());
        assertEquals(0, h.circuitRecord().failureCount());
        assertTrue(((Outcome.Fallback) next).conditions().throttled());
        assertEquals(1, anthropic.requestCount());
        assertEquals(1, h.logs.withMessage("spend limit reached; calls held back").size());
    }

    static final String BILLING = "{\"type\":\"error\",\"error\":{\"type\":\"billing_error\",\"message\":\"billing\"}}";

    @Test
    @DisplayName("when a spend-limit hold passes, one call checks (like a probe): the others hold back until it answers, the sweep sends one upgrade")
    void spendLimitCheckedByOneCall() {
        anthropic.answers(402, Map.of(), BILLING);
        for (int id = 1; id <= 3; id++) {
            h.generate("quest_description", id); // a spend limit: held back an hour; three fallbacks owe upgrades
        }
        h.clock.advance(Duration.ofHours(1).plusSeconds(1));
        FollowUpSweep sweep = Wiring.sweep(h.outside()).sweep();
        assertEquals(1, sweep.upgrade().enqueued(), "the sweep sends one upgrade, not all it may: it may become the check");

        anthropic.replies(FakeAnthropic.QUEST_JSON);
        GenerateContent other = h.withApiKey(SecretWatch.API_KEY).flow(); // another execution environment
        List<Outcome> meanwhile = new ArrayList<>();
        h.withCalls((transport, plan) -> {
            if (meanwhile.isEmpty()) {
                // while the check is on its way, every other instance still holds back
                for (int id = 20; id < 25; id++) {
                    meanwhile.add(generate(other, id));
                }
            }
            return transport.send(plan);
        });

        Outcome check = generate(h.flow(), 10);

        assertInstanceOf(Outcome.Ready.class, check);
        assertEquals(5, meanwhile.size());
        meanwhile.forEach(o -> assertEquals(FallbackReason.RATE_LIMITED, ((Outcome.Fallback) o).reason(), "held back while the check runs"));
        assertEquals(1, anthropic.requestCount(), "one call checked");
        assertEquals(null, h.providerConfig().throttledUntil(), "the check answered: the hold is lifted for everyone");
        assertInstanceOf(Outcome.Ready.class, generate(other, 30));
    }

    @Test
    @DisplayName("a check that meets the spend limit again holds everyone back another hour")
    void spendLimitCheckHoldsAgain() {
        anthropic.answers(402, Map.of(), BILLING);
        h.generate("quest_description", 1);
        h.clock.advance(Duration.ofHours(1).plusSeconds(1));

        h.generate("quest_description", 2);

        assertEquals(h.now().plus(Duration.ofHours(1)), h.providerConfig().throttledUntil());
        assertEquals("spend_limit", h.providerConfig().throttleReason());
        assertEquals(2, anthropic.requestCount());
        assertEquals(FallbackReason.RATE_LIMITED, ((Outcome.Fallback) h.generate("quest_description", 3)).reason());
        assertEquals(2, anthropic.requestCount());
    }

    @Test
    @DisplayName("a half-open circuit is not probed while the throttle holds: the probe would only meet the same 429")
    void noProbeWhileThrottled() {
        h.circuitIs(Circuits.halfOpen(h.now().minus(Duration.ofMinutes(5)), 1, 3));
        h.circuits.throttleUntil(dev.loresmith.llm.Provider.ANTHROPIC, h.now().plusSeconds(20), "rate_limited", ProviderConfig.implausibleThrottleAfter(h.now()));
        anthropic.replies(FakeAnthropic.QUEST_JSON);

        Outcome outcome = h.generate("quest_description", 1);

        assertEquals(FallbackReason.RATE_LIMITED, ((Outcome.Fallback) outcome).reason());
        assertEquals(CircuitState.HALF_OPEN, h.circuitRecord().state());
        assertEquals(null, h.circuitRecord().probeUntil(), "no probe claimed");
        assertEquals(0, anthropic.requestCount());
    }
}
