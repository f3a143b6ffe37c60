package dev.loresmith.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitSettings;
import dev.loresmith.circuit.CircuitState;
import dev.loresmith.content.ContentId;
import dev.loresmith.content.ContentType;
import dev.loresmith.item.Claim;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.testing.Circuits;
import dev.loresmith.testing.Concurrently;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FakeAws;
import dev.loresmith.testing.FlowHarness;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.SecretWatch;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generate flow against DynamoDB Local and a WireMock Messages API, one behaviour per test. */
class GenerateContentTest extends FlowTest {

    static final String QUEST = "quest_description";
    static final String QUEST_JSON = "{\"title\":\"The Drowned Bell\",\"description\":\"Beneath the lake a bell still tolls. Dive, find it, and silence it before the flood tide.\"}";


    ContentType quest() {
        return h.types.find(QUEST).orElseThrow();
    }

    static void assertFallback(ContentItem item, ContentType type, long id, String reason) {
        assertEquals(ContentStatus.FAILED, item.status());
        assertEquals("fallback:" + reason, item.model());
        assertEquals(type.fallbackFor(ContentId.parse(Long.toUnsignedString(id))), item.text());
        assertTrue(item.generatedAt() != null, "a finished item has generatedAt");
    }

    @Nested
    @DisplayName("the API call")
    class ApiCall {

        @Test
        @DisplayName("POSTs /v1/messages with the key, version and content-type headers and the configured model")
        void sendsHeadersAndModel() {
            anthropic.replies(QUEST_JSON);

            assertInstanceOf(Outcome.Ready.class, h.generate(QUEST, 1));

            LoggedRequest sent = anthropic.requests().get(0);
            assertEquals(SecretWatch.API_KEY, sent.getHeader("x-api-key"));
            assertEquals("2023-06-01", sent.getHeader("anthropic-version"));
            assertTrue(sent.getHeader("content-type").startsWith("application/json"));
            JsonNode body = TestJson.parse(sent.getBodyAsString());
            assertEquals(GenerateSettings.DEFAULT_MODEL, body.path("model").asText());
            assertEquals(1024, body.path("max_tokens").asInt());
        }

        @Test
        @DisplayName("uses the model and max_tokens overrides of the config item")
        void configOverrides() {
            h.dynamo().putItem(r -> r.tableName(h.tableNames.circuit()).item(Map.of(
                    "provider", AttributeValue.fromS(FlowHarness.PROVIDER),
                    "model", AttributeValue.fromS("claude-haiku-4-5"),
                    "maxTokens", AttributeValue.fromN("300"))));
            anthropic.replies(QUEST_JSON);

            Outcome outcome = h.generate(QUEST, 1);

            JsonNode body = anthropic.requestBodies().get(0);
            assertEquals("claude-haiku-4-5", body.path("model").asText());
            assertEquals(300, body.path("max_tokens").asInt());
            assertEquals("claude-haiku-4-5", outcome.item().model());
        }

        @Test
        @DisplayName("is cut short by the caller's deadline minus the write margin; timing out in that cut is no_time, not counted")
        void respectsDeadline() {
            anthropic.repliesAfter(QUEST_JSON, 5_000);
            Instant deadline = h.now().plus(GenerateSettings.DEFAULTS.writeMargin()).plusMillis(1_500);

            Outcome outcome = h.flow().generate(h.request(QUEST, "7", null), Claim.Kind.REQUEST, deadline);

            assertEquals(1, anthropic.requestCount(), "1.5 s is enough to try");
            assertEquals(FallbackReason.NO_TIME, ((Outcome.Fallback) outcome).reason());
            assertFallback(h.item(QUEST, 7), quest(), 7, "no_time");
            assertEquals(0, h.circuitRecord().failureCount(), "our deadline, not the API's slowness");
        }

        @Test
        @DisplayName("with less than a second left after the write margin, no call is started: no_time")
        void tooLittleTimeNoCall() {
            anthropic.replies(QUEST_JSON);
            Instant deadline = h.now().plus(GenerateSettings.DEFAULTS.writeMargin()).plusMillis(900);

            Outcome outcome = h.flow().generate(h.request(QUEST, "8", null), Claim.Kind.REQUEST, deadline);

            assertEquals(0, anthropic.requestCount());
            assertEquals(FallbackReason.NO_TIME, ((Outcome.Fallback) outcome).reason());
            assertEquals(0, h.circuitRecord().failureCount());
        }

        @Test
        @DisplayName("times out after the configured API timeout")
        void timesOut() {
            h.withApiTimeout(Duration.ofMillis(300));
            anthropic.repliesAfter(QUEST_JSON, 5_000);

            Outcome outcome = h.generate(QUEST, 8);

            assertEquals(FallbackReason.NETWORK_ERROR, ((Outcome.Fallback) outcome).reason());
        }

        @Test
        @DisplayName("is not made when the deadline leaves no time for it; the item still gets its fallback")
        void noTimeLeft() {
            anthropic.replies(QUEST_JSON);

            Outcome outcome = h.flow().generate(h.request(QUEST, "9", null), Claim.Kind.REQUEST, h.now().plusSeconds(1));

            assertEquals(FallbackReason.NO_TIME, ((Outcome.Fallback) outcome).reason());
            assertEquals(0, anthropic.requestCount());
            assertFallback(h.item(QUEST, 9), quest(), 9, "no_time");
        }
    }

    @Test
    @DisplayName("reads the circuit/config item with a strongly consistent read on every request")
    void consistentConfigRead() {
        anthropic.replies(QUEST_JSON);

        h.generate(QUEST, 1);
        h.generate(QUEST, 2);
        h.generate(QUEST, 3);

        List<BatchGetItemRequest> configReads = h.dynamoRequests.of(BatchGetItemRequest.class);
        assertEquals(3, configReads.size());
        for (BatchGetItemRequest read : configReads) {
            KeysAndAttributes keys = read.requestItems().get(h.tableNames.circuit());
            assertTrue(keys.consistentRead());
            assertEquals(Set.of("stack", "anthropic", "bedrock"), keys.keys().stream().map(k -> k.get("provider").s()).collect(Collectors.toSet()),
                    "one read covers the stack item and every provider's");
        }
    }

    @ParameterizedTest(name = "key \"{0}\"")
    @ValueSource(strings = {"", "   "})
    @DisplayName("a missing or empty API key falls back no_config at once, without calling the API")
    void noKey(String key) {
        h.withApiKey(key);
        anthropic.replies(QUEST_JSON);

        Outcome outcome = h.generate(QUEST, 11);

        assertEquals(FallbackReason.NO_CONFIG, ((Outcome.Fallback) outcome).reason());
        assertFallback(h.item(QUEST, 11), quest(), 11, "no_config");
        assertEquals(0, anthropic.requestCount());
    }

    @Test
    @DisplayName("an open circuit falls back circuit_open at once, without calling the API")
    void openCircuit() {
        h.circuitIs(Circuits.open(h.now().minusSeconds(60), 1, 5));
        anthropic.replies(QUEST_JSON);

        Outcome outcome = h.generate(QUEST, 12);

        assertEquals(FallbackReason.CIRCUIT_OPEN, ((Outcome.Fallback) outcome).reason());
        assertFallback(h.item(QUEST, 12), quest(), 12, "circuit_open");
        assertEquals(0, anthropic.requestCount());
    }

    @Nested
    @DisplayName("a 200 reply")
    class Success {

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"bare", "fenced", "fenced-no-language"})
        @DisplayName("holding the type's JSON (bare or in a code fence) makes the item ready with that JSON and the model id")
        void readyWithJson(String form) {
            String text = switch (form) {
                case "bare" -> QUEST_JSON;
                case "fenced" -> "```json\n" + QUEST_JSON + "\n```";
                default -> "```\n" + QUEST_JSON + "\n```";
            };
            anthropic.replies(text);

            Outcome outcome = h.generate(QUEST, 21);

            assertInstanceOf(Outcome.Ready.class, outcome);
            ContentItem item = h.item(QUEST, 21);
            assertEquals(ContentStatus.READY, item.status());
            assertEquals(TestJson.parse(QUEST_JSON), TestJson.parse(item.text()));
            assertEquals(GenerateSettings.DEFAULT_MODEL, item.model());
            Map<String, AttributeValue> raw = h.rawContentItem(QUEST, 21);
            assertEquals("quest_description", raw.get("contentType").s());
            assertEquals("21", raw.get("contentId").n());
            assertEquals("ready", raw.get("status").s());
        }

        @Test
        @DisplayName("holding a lone surrogate escape is cleaned and written once: the stored text is valid UTF-8, no write fails, no second call")
        void loneSurrogate() {
            anthropic.replies("{\"title\":\"The Drowned\\ud800 Bell\",\"description\":\"Dive for the bell.\\udfff\"}");

            Outcome outcome = h.generate(QUEST, 22);
            Outcome again = h.generate(QUEST, 22);

            assertInstanceOf(Outcome.Ready.class, outcome);
            assertInstanceOf(Outcome.Duplicate.class, again);
            String stored = h.rawContentItem(QUEST, 22).get("text").s();
            assertEquals(TestJson.parse("{\"title\":\"The Drowned Bell\",\"description\":\"Dive for the bell.\"}"), TestJson.parse(stored));
            assertTrue(stored.chars().noneMatch(c -> Character.isSurrogate((char) c)), stored);
            assertEquals(1, anthropic.requestCount());
        }

        @Test
        @DisplayName("resets the failure count")
        void resetsFailureCount() {
            anthropic.failsWith(500);
            h.generate(QUEST, 1);
            h.generate(QUEST, 2);
            assertEquals(2, h.circuitRecord().failureCount());

            anthropic.replies(QUEST_JSON);
            h.generate(QUEST, 3);
            assertEquals(0, h.circuitRecord().failureCount());

            anthropic.failsWith(500);
            h.generate(QUEST, 4);
            h.generate(QUEST, 5);
            assertEquals(CircuitState.CLOSED, h.circuitRecord().state(), "two failures after a success do not open it");
        }

        @Test
        @DisplayName("a duplicate request for an item already ready makes no API call")
        void duplicateOfReady() {
            anthropic.replies(QUEST_JSON);
            h.generate(QUEST, 31);

            Outcome again = h.generate(QUEST, 31);

            assertInstanceOf(Outcome.Duplicate.class, again);
            assertEquals(1, anthropic.requestCount());
            assertEquals(ContentStatus.READY, h.item(QUEST, 31).status());
        }

        @Test
        @DisplayName("a duplicate delivery of an item leased by a live worker makes no API call")
        void duplicateOfLeased() {
            anthropic.replies(QUEST_JSON);
            h.contents.claim(h.request(QUEST, "32", null).key(), Claim.Kind.REQUEST, null, "other-worker", h.now(), h.now().plusSeconds(120), null, h.now().plus(Duration.ofMinutes(20)));

            Outcome outcome = h.generate(QUEST, 32);

            assertInstanceOf(Outcome.Duplicate.class, outcome);
            assertEquals(0, anthropic.requestCount());
        }
    }

    @Nested
    @DisplayName("a failed call")
    class Failures {

        @ParameterizedTest(name = "HTTP {0}")
        @ValueSource(ints = {400, 401, 403, 404, 413, 500, 502, 503, 529})
        @DisplayName("an error status other than 429 falls back api_error_<status> and is counted")
        void httpError(int status) {
            anthropic.failsWith(status);

            Outcome outcome = h.generate(QUEST, 41);

            assertEquals("api_error_" + status, ((Outcome.Fallback) outcome).reason().code());
            assertFallback(h.item(QUEST, 41), quest(), 41, "api_error_" + status);
            assertEquals(1, h.circuitRecord().failureCount());
        }

        @Test
        @DisplayName("a reset connection falls back network_error and is counted")
        void connectionReset() {
            anthropic.resetsConnection();

            Outcome outcome = h.generate(QUEST, 42);

            assertEquals(FallbackReason.NETWORK_ERROR, ((Outcome.Fallback) outcome).reason());
            assertFallback(h.item(QUEST, 42), quest(), 42, "network_error");
            assertEquals(1, h.circuitRecord().failureCount());
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', value = {
                "prose instead of JSON|Here is your quest: the bell tolls.|end_turn",
                "JSON missing a field|{\"title\":\"Only a title\"}|end_turn",
                "a field of the wrong type|{\"title\":\"T\",\"description\":42}|end_turn",
                "a JSON array|[\"title\",\"description\"]|end_turn",
                "an extra field|{\"title\":\"The Drowned Bell\",\"description\":\"Dive.\",\"note\":\"x\"}|end_turn",
                "a wrong shape and a broken limit|{\"title\":\"One Two Three Four Five Six Seven\",\"description\":7}|end_turn",
                "a tool_use stop|" + QUEST_JSON + "|tool_use",
                "a pause_turn stop|" + QUEST_JSON + "|pause_turn",
                "an unknown stop reason|" + QUEST_JSON + "|something_new"})
        @DisplayName("unusable output — wrong shape, or a stop reason that is not the end of an answer — falls back invalid_json and is counted")
        void invalidOutput(String what, String text, String stopReason) {
            anthropic.replies(text, stopReason);

            Outcome outcome = h.generate(QUEST, 43);

            assertEquals(FallbackReason.INVALID_JSON, ((Outcome.Fallback) outcome).reason(), what);
            assertFallback(h.item(QUEST, 43), quest(), 43, "invalid_json");
            assertEquals(1, h.circuitRecord().failureCount());
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', value = {
                "blank fields|{\"title\":\" \",\"description\":\"\"}",
                "a title over its word limit (a long quest name copied)|{\"title\":\"One Two Three Four Five Six Seven\",\"description\":\"Dive.\"}",
                "a description over its word limit (\"answer in 400 words\")|{\"title\":\"The Bell\",\"description\":\"WORDS\"}"})
        @DisplayName("a reply of the right shape that breaks only a field's limits is invalid_json but never counted: a player's context can provoke it")
        void limitsNotCounted(String what, String text) {
            anthropic.replies(text.replace("WORDS", "word ".repeat(400).strip()), "end_turn");

            for (int id = 1; id <= 3; id++) {
                Outcome outcome = h.generate(QUEST, 50 + id);
                assertEquals("invalid_json", ((Outcome.Fallback) outcome).reason().code(), what);
                assertFallback(h.item(QUEST, 50 + id), quest(), 50 + id, "invalid_json");
            }

            assertEquals(0, h.circuitRecord().failureCount(), what);
            assertEquals(CircuitState.CLOSED, h.circuitRecord().state(), "three such replies do not open the circuit for everyone");
        }

        @ParameterizedTest(name = "body #{index}: [{0}]")
        @ValueSource(strings = {"<html>bad gateway</html>", "{\"content\":[]}", "{\"content\":[{\"type\":\"tool_use\"}]}", ""})
        @DisplayName("a 200 whose body is not a Messages response falls back invalid_json")
        void unreadableBody(String body) {
            anthropic.answersRaw(200, body);

            Outcome outcome = h.generate(QUEST, 44);

            assertEquals("invalid_json", ((Outcome.Fallback) outcome).reason().code());
            assertEquals(ContentStatus.FAILED, h.item(QUEST, 44).status());
        }

        @Test
        @DisplayName("a 200 whose body is larger than 1 MB is not read to the end: invalid_json, counted")
        void oversizedBody() {
            // A usable answer, padded past the limit: read to the end it would have made the item ready.
            String padded = FakeAnthropic.message(QUEST_JSON, "end_turn");
            anthropic.answersRaw(200, padded.substring(0, padded.length() - 1) + ",\"padding\":\"" + "x".repeat(2 << 20) + "\"}");

            Outcome outcome = h.generate(QUEST, 45);

            assertEquals(FallbackReason.UNREADABLE, ((Outcome.Fallback) outcome).reason());
            assertEquals("invalid_json", ((Outcome.Fallback) outcome).reason().code());
            assertEquals(1, h.circuitRecord().failureCount());
        }

        @Test
        @DisplayName("429 falls back rate_limited, is not counted, leaves the circuit alone, and holds every later call back")
        void rateLimited() {
            anthropic.failsWith(429);

            for (int id = 1; id <= 5; id++) {
                Outcome outcome = h.generate(QUEST, id);
                assertEquals(FallbackReason.RATE_LIMITED, ((Outcome.Fallback) outcome).reason());
                assertFallback(h.item(QUEST, id), quest(), id, "rate_limited");
            }

            CircuitRecord circuit = h.circuitRecord();
            assertEquals(CircuitState.CLOSED, circuit.state());
            assertEquals(0, circuit.failureCount());
            assertEquals(0, circuit.version(), "no circuit write");
            assertTrue(aws.createdSchedules().isEmpty());
            assertEquals(1, anthropic.requestCount(), "the shared throttle kept the other four from calling");
            assertEquals(h.now().plus(GenerateSettings.DEFAULTS.throttles().otherwise()), h.providerConfig().throttledUntil());
        }

        @ParameterizedTest(name = "stop_reason {0}")
        @CsvSource({"refusal, refused", "max_tokens, truncated", "model_context_window_exceeded, truncated"})
        @DisplayName("a refusal or a truncated reply — which a player's context can provoke — falls back without counting")
        void notCountedStops(String stopReason, String reason) {
            anthropic.replies(QUEST_JSON, stopReason);

            for (int id = 1; id <= 4; id++) {
                assertEquals(reason, ((Outcome.Fallback) h.generate(QUEST, id)).reason().code());
            }

            assertFallback(h.item(QUEST, 1), quest(), 1, reason);
            assertEquals(CircuitState.CLOSED, h.circuitRecord().state(), "four of them do not open the circuit");
            assertEquals(0, h.circuitRecord().failureCount());
            assertEquals(4, anthropic.requestCount());
        }

        @Test
        @DisplayName("a refusal with no content at all is refused, not invalid_json")
        void emptyRefusal() {
            anthropic.answersRaw(200, "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"stop_reason\":\"refusal\","
                    + "\"usage\":{\"input_tokens\":10,\"output_tokens\":0}}");

            Outcome outcome = h.generate(QUEST, 1);

            assertEquals(FallbackReason.REFUSED, ((Outcome.Fallback) outcome).reason());
            assertEquals(0, h.circuitRecord().failureCount());
        }
    }

    @Nested
    @DisplayName("the circuit")
    class Opening {

        @Test
        @DisplayName("the 3rd counted failure within 60 s opens it in the fallback's transaction and schedules one reset")
        void thirdFailureOpens() {
            anthropic.failsWith(500);
            Instant start = h.now();

            h.generate(QUEST, 1);
            h.clock.advance(Duration.ofSeconds(30));
            h.generate(QUEST, 2);
            h.clock.advance(Duration.ofSeconds(29));
            Instant openedAt = h.now();
            Outcome third = h.generate(QUEST, 3);

            assertTrue(((Outcome.Fallback) third).circuitOpened());
            Map<String, AttributeValue> circuit = h.rawCircuitItem();
            assertEquals("open", circuit.get("circuitState").s());
            assertEquals("1", circuit.get("generation").n());
            assertEquals(Long.toString(openedAt.toEpochMilli()), circuit.get("openedAt").n());
            assertEquals(Duration.ofSeconds(59), Duration.between(start, openedAt));

            TransactWriteItemsRequest opening = h.dynamoRequests.of(TransactWriteItemsRequest.class).get(2);
            List<TransactWriteItem> writes = opening.transactItems();
            assertEquals(2, writes.size());
            assertEquals(h.tableNames.content(), writes.get(0).update().tableName());
            assertTrue(writes.get(0).update().expressionAttributeValues().containsValue(AttributeValue.fromS("fallback:api_error_500")));
            assertTrue(writes.get(0).update().conditionExpression().contains("#leaseOwner = :g_worker"), "conditioned on this worker's lease");
            assertEquals(h.tableNames.circuit(), writes.get(1).update().tableName());

            List<FakeAws.CreatedSchedule> schedules = aws.createdSchedules();
            assertEquals(1, schedules.size());
            FakeAws.CreatedSchedule schedule = schedules.get(0);
            assertEquals("circuit-reset-g1", schedule.name());
            JsonNode body = schedule.body();
            assertEquals("at(2026-11-25T10:05:59)", body.path("ScheduleExpression").asText());
            assertEquals("UTC", body.path("ScheduleExpressionTimezone").asText());
            assertEquals("OFF", body.path("FlexibleTimeWindow").path("Mode").asText());
            assertEquals("DELETE", body.path("ActionAfterCompletion").asText());
            assertEquals(aws.scheduleGroup(), body.path("GroupName").asText());
            assertEquals(FlowHarness.RESET_FUNCTION_ARN, body.path("Target").path("Arn").asText());
            assertEquals(FlowHarness.SCHEDULER_ROLE_ARN, body.path("Target").path("RoleArn").asText());
            assertEquals(TestJson.parse("{\"provider\":\"anthropic\",\"generation\":1}"), TestJson.parse(body.path("Target").path("Input").asText()));

            Outcome fourth = h.generate(QUEST, 4);
            assertEquals(FallbackReason.CIRCUIT_OPEN, ((Outcome.Fallback) fourth).reason());
            assertEquals(3, anthropic.requestCount(), "an open circuit is not called");
        }

        @Test
        @DisplayName("failures 61 s apart do not open it")
        void slowFailuresDoNotOpen() {
            anthropic.failsWith(503);

            for (int id = 1; id <= 4; id++) {
                h.generate(QUEST, id);
                h.clock.advance(Duration.ofSeconds(61));
            }

            assertEquals(CircuitState.CLOSED, h.circuitRecord().state());
            assertEquals(0, h.circuitRecord().generation());
            assertTrue(aws.createdSchedules().isEmpty());
        }

        @Test
        @DisplayName("the window slides: failures at 0, 59, 61 and 62 s open it at 62 s, in the fourth failure's transaction")
        void slidingWindow() {
            anthropic.failsWith(500);
            Instant start = h.now();

            for (int at : new int[] {0, 59, 61}) {
                h.clock.set(start.plusSeconds(at));
                assertFalse(((Outcome.Fallback) h.generate(QUEST, at)).circuitOpened());
            }
            assertEquals(2, h.circuitRecord().failureCount(), "the failure at 0 s has left the window by 61 s");
            h.clock.set(start.plusSeconds(62));
            Outcome fourth = h.generate(QUEST, 62);

            assertTrue(((Outcome.Fallback) fourth).circuitOpened());
            assertEquals(CircuitState.OPEN, h.circuitRecord().state());
            assertEquals(start.plusSeconds(62), h.circuitRecord().openedAt());
        }

        @Test
        @DisplayName("counts failures of every content type together")
        void countsAcrossTypes() {
            anthropic.failsWith(500);

            h.generate(QUEST, 1);
            h.generate("event_consequence", 1);
            Outcome third = h.generate(QUEST, 2);

            assertTrue(((Outcome.Fallback) third).circuitOpened());
        }
    }

    @Nested
    @DisplayName("half-open")
    class HalfOpen {

        CircuitRecord halfOpen() {
            return Circuits.halfOpen(h.now().minus(Duration.ofMinutes(5)), 1, 7);
        }

        @Test
        @DisplayName("exactly one of many concurrent callers probes; its success closes the circuit")
        @Tag("concurrency")
        void oneProbeSucceeds() throws Exception {
            h.circuitIs(halfOpen());
            anthropic.repliesAfter(QUEST_JSON, 300);

            List<Outcome> outcomes = Concurrently.run(8, i -> h.generate(QUEST, 100 + i));

            assertEquals(1, outcomes.stream().filter(o -> o instanceof Outcome.Ready r && r.probe()).count());
            // A caller slow enough to read the config after the probe closed the circuit calls normally;
            // every other caller was turned away while the probe ran.
            long lateCallers = outcomes.stream().filter(o -> o instanceof Outcome.Ready r && !r.probe()).count();
            assertEquals(1 + lateCallers, anthropic.requestCount());
            assertEquals(7 - lateCallers, outcomes.stream().filter(o -> o instanceof Outcome.Fallback f
                    && f.reason().equals(FallbackReason.CIRCUIT_OPEN)).count());
            CircuitRecord after = h.circuitRecord();
            assertEquals(CircuitState.CLOSED, after.state());
            assertEquals(0, after.failureCount());
            assertEquals(1, after.generation());
        }

        @Test
        @DisplayName("a failed probe reopens the circuit with a new generation and a new schedule")
        void probeFails() {
            h.circuitIs(halfOpen());
            anthropic.failsWith(500);

            Outcome outcome = h.generate(QUEST, 1);

            assertTrue(((Outcome.Fallback) outcome).circuitOpened());
            CircuitRecord after = h.circuitRecord();
            assertEquals(CircuitState.OPEN, after.state());
            assertEquals(2, after.generation());
            assertEquals(h.now(), after.openedAt());
            assertEquals(List.of("circuit-reset-g2"), aws.createdSchedules().stream().map(FakeAws.CreatedSchedule::name).toList());
        }

        @Test
        @DisplayName("a rate-limited probe leaves the circuit half-open and frees the probe slot")
        void probeRateLimited() {
            h.circuitIs(halfOpen());
            anthropic.failsWith(429);

            h.generate(QUEST, 1);
            anthropic.replies(QUEST_JSON);
            h.clock.advance(GenerateSettings.DEFAULTS.throttles().otherwise()); // the 429 held every caller back this long
            Outcome next = h.generate(QUEST, 2);

            assertInstanceOf(Outcome.Ready.class, next);
            assertEquals(CircuitState.CLOSED, h.circuitRecord().state());
        }

        @Test
        @DisplayName("an open circuit whose reset is overdue beyond the grace period behaves as half-open")
        void overdueReset() {
            Duration overdue = CircuitSettingsView.resetAfter().plus(CircuitSettingsView.grace()).plusSeconds(1);
            h.circuitIs(Circuits.open(h.now().minus(overdue), 4, 9));
            anthropic.replies(QUEST_JSON);

            Outcome outcome = h.generate(QUEST, 1);

            assertTrue(outcome instanceof Outcome.Ready r && r.probe());
            assertEquals(CircuitState.CLOSED, h.circuitRecord().state());
        }

        @Test
        @DisplayName("an open circuit whose reset is late but within the grace period still rejects")
        void lateWithinGrace() {
            Duration late = CircuitSettingsView.resetAfter().plus(CircuitSettingsView.grace()).minusSeconds(1);
            h.circuitIs(Circuits.open(h.now().minus(late), 4, 9));
            anthropic.replies(QUEST_JSON);

            Outcome outcome = h.generate(QUEST, 1);

            assertEquals(FallbackReason.CIRCUIT_OPEN, ((Outcome.Fallback) outcome).reason());
            assertEquals(0, anthropic.requestCount());
        }
    }

    @Test
    @DisplayName("an item never stays pending: every outcome leaves it ready or failed, with no lease")
    void neverPending() {
        anthropic.failsWith(500);
        for (int id = 1; id <= 5; id++) {
            h.generate(QUEST, id);
            ContentItem item = h.item(QUEST, id);
            assertFalse(item.status() == ContentStatus.PENDING);
            assertNull(item.leaseOwner());
        }
    }

    /** The default circuit thresholds, named for readability in the tests above. */
    static final class CircuitSettingsView {
        static Duration resetAfter() {
            return CircuitSettings.DEFAULTS.resetAfter();
        }

        static Duration grace() {
            return CircuitSettings.DEFAULTS.overdueGrace();
        }
    }
}
