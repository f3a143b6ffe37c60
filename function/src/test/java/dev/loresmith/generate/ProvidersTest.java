package dev.loresmith.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitState;
import dev.loresmith.circuit.ForcedState;
import dev.loresmith.events.DomainEvent;
import dev.loresmith.item.Claim;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.item.FollowUp;
import dev.loresmith.llm.LlmReply;
import dev.loresmith.llm.Provider;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FakeAws;
import dev.loresmith.testing.FakeBedrock;
import dev.loresmith.testing.FlowHarness;
import dev.loresmith.testing.ProvidersFlowTest;
import dev.loresmith.testing.TestAws;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A second provider: Amazon Bedrock behind its own circuit, so that an outage of one provider still serves generated
 * text — against a fake Anthropic and a fake Bedrock Runtime that checks every request's SigV4 signature.
 */
class ProvidersTest extends ProvidersFlowTest {

    CircuitRecord circuitOf(Provider provider) {
        return h.circuits.circuit(provider);
    }

    Outcome.Fallback fallback(Outcome outcome) {
        return assertInstanceOf(Outcome.Fallback.class, outcome);
    }

    @Test
    @DisplayName("Bedrock alone is a keyless deployment: no Anthropic key, the text comes from InvokeModel, signed with the role's credentials")
    void bedrockAlone() {
        h.providers("bedrock").withApiKey(null);

        Outcome outcome = h.generate(QUEST, 1);

        assertInstanceOf(Outcome.Ready.class, outcome);
        ContentItem item = h.item(QUEST, 1);
        assertEquals(ContentStatus.READY, item.status());
        assertEquals(TestJson.parse(FakeAnthropic.QUEST_JSON), TestJson.parse(item.text()));
        assertEquals("bedrock", item.provider());
        assertEquals(FlowHarness.BEDROCK_MODEL, item.model());
        assertEquals(0, anthropic.requestCount());
        LoggedRequest call = bedrock.requests().get(0);
        assertEquals("/model/global.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke", call.getUrl(), "the model id, percent-encoded, in the path");
        FakeBedrock.Authorization auth = FakeBedrock.authorization(call);
        assertEquals("bedrock", auth.service());
        assertEquals(TestAws.REGION.id(), auth.region());
        assertEquals(TestAws.CREDENTIALS.resolveCredentials().accessKeyId(), auth.accessKey());
        assertTrue(auth.signedHeaders().containsAll(List.of("host", "x-amz-date")), auth.signedHeaders().toString());
        assertEquals(FakeBedrock.expectedSignature(call, TestAws.CREDENTIALS, TestAws.REGION), auth.signature(),
                "the request as received, signed again with the same credentials and time, gives the same signature");
    }

    @Test
    @DisplayName("Bedrock's body is Claude's Messages body with anthropic_version and no model field; the same cached system block, context and schema")
    void bedrockBody() {
        h.providers("anthropic,bedrock");
        anthropic.failsWith(500);

        h.generate(QUEST, "1", TestJson.parse("{\"questName\":\"The Drowned Bell\"}"));

        JsonNode sentToAnthropic = anthropic.requestBodies().get(0);
        JsonNode sentToBedrock = bedrock.requestBodies().get(0);
        assertEquals("bedrock-2023-05-31", sentToBedrock.path("anthropic_version").asText());
        assertFalse(sentToBedrock.has("model"));
        assertEquals(sentToAnthropic.path("system"), sentToBedrock.path("system"), "the cached system block, byte for byte");
        assertEquals("ephemeral", sentToBedrock.path("system").get(0).path("cache_control").path("type").asText());
        assertEquals(sentToAnthropic.path("messages"), sentToBedrock.path("messages"), "the same sanitised context");
        assertEquals(sentToAnthropic.path("output_config"), sentToBedrock.path("output_config"), "the same schema");
        assertEquals(sentToAnthropic.path("max_tokens"), sentToBedrock.path("max_tokens"));
    }

    @ParameterizedTest(name = "Anthropic answers {0}")
    @CsvSource({"500", "529", "401"})
    @DisplayName("a counted failure at Anthropic moves the same request to Bedrock: ready, Anthropic's failure counted in its own circuit, in one transaction")
    void failsOverOnACountedFailure(int status) {
        h.providers("anthropic,bedrock");
        anthropic.failsWith(status);

        Outcome outcome = h.generate(QUEST, 1);

        Outcome.Ready ready = assertInstanceOf(Outcome.Ready.class, outcome);
        assertEquals("bedrock", h.item(QUEST, 1).provider());
        assertEquals(List.of(Provider.ANTHROPIC, Provider.BEDROCK), ready.attempts().stream().map(Outcome.Attempt::provider).toList());
        assertEquals("api_error_" + status, ready.attempts().get(0).reason().code());
        assertEquals(1, circuitOf(Provider.ANTHROPIC).failureCount(), "counted against Anthropic");
        assertEquals(0, circuitOf(Provider.BEDROCK).failureCount());
        TransactWriteItemsRequest commit = h.dynamoRequests.of(TransactWriteItemsRequest.class).get(0);
        List<TransactWriteItem> writes = commit.transactItems();
        assertEquals(2, writes.size(), "the ready item and Anthropic's failure, together");
        assertEquals(AttributeValue.fromS("anthropic"), writes.get(1).update().key().get("provider"));
    }

    @Test
    @DisplayName("a 429 at Anthropic moves the request to Bedrock and holds every instance back from Anthropic only")
    void failsOverOnA429() {
        h.providers("anthropic,bedrock");
        anthropic.failsWith(429);

        assertInstanceOf(Outcome.Ready.class, h.generate(QUEST, 1));
        assertInstanceOf(Outcome.Ready.class, h.generate(QUEST, 2));

        assertEquals(1, anthropic.requestCount(), "Anthropic's throttle held the second request back from it");
        assertEquals(2, bedrock.requestCount());
        assertNotNull(h.config().provider(Provider.ANTHROPIC).throttledUntil());
        assertNull(h.config().provider(Provider.BEDROCK).throttledUntil());
        assertEquals(0, circuitOf(Provider.ANTHROPIC).failureCount(), "a 429 is not counted");
    }

    @Test
    @DisplayName("an outage at Anthropic opens its circuit while Bedrock keeps serving generated text: no fallback served")
    void outageServedByBedrock() {
        h.providers("anthropic,bedrock");
        anthropic.failsWith(503);

        for (int id = 1; id <= 6; id++) {
            h.clock.advance(Duration.ofSeconds(5));
            assertInstanceOf(Outcome.Ready.class, h.generate(QUEST, id), "request " + id);
        }

        assertEquals(CircuitState.OPEN, circuitOf(Provider.ANTHROPIC).state());
        assertEquals(3, anthropic.requestCount(), "three failures opened Anthropic's circuit; after that it is not called");
        assertEquals(6, bedrock.requestCount());
        assertEquals(CircuitState.CLOSED, circuitOf(Provider.BEDROCK).state());
        FakeAws.CreatedSchedule schedule = aws.createdSchedules().get(0);
        assertEquals("circuit-reset-g1", schedule.name(), "Anthropic's schedule keeps the name it had");
        assertEquals(TestJson.parse("{\"provider\":\"anthropic\",\"generation\":1}"), TestJson.parse(schedule.body().path("Target").path("Input").asText()));
    }

    @Test
    @DisplayName("Bedrock's own circuit: three counted failures open it alone, its reset schedule names the provider, its reset half-opens it alone")
    void bedrocksOwnCircuit() {
        h.providers("bedrock,anthropic");
        bedrock.failsWith(503, "ServiceUnavailableException");
        anthropic.repliesForEachType();

        for (int id = 1; id <= 3; id++) {
            assertInstanceOf(Outcome.Ready.class, h.generate(QUEST, id), "Anthropic answers what Bedrock cannot");
        }

        assertEquals(CircuitState.OPEN, circuitOf(Provider.BEDROCK).state());
        assertEquals(CircuitState.CLOSED, circuitOf(Provider.ANTHROPIC).state());
        FakeAws.CreatedSchedule schedule = aws.createdSchedules().get(0);
        assertEquals("circuit-reset-bedrock-g1", schedule.name());
        assertEquals(TestJson.parse("{\"provider\":\"bedrock\",\"generation\":1}"), TestJson.parse(schedule.body().path("Target").path("Input").asText()));
        assertEquals(ResetCircuit.Result.STALE, h.reset().reset(Provider.ANTHROPIC, 1), "Anthropic never opened");
        assertEquals(ResetCircuit.Result.HALF_OPENED, h.reset().reset(Provider.BEDROCK, 1));
        assertEquals(CircuitState.HALF_OPEN, circuitOf(Provider.BEDROCK).state());
    }

    @Test
    @DisplayName("when no provider answers: the fallback, the primary's reason in model, each provider's in providerReasons, both circuits counted")
    void noProviderAnswers() {
        h.providers("anthropic,bedrock");
        anthropic.failsWith(500);
        bedrock.failsWith(503, "ServiceUnavailableException");

        Outcome.Fallback outcome = fallback(h.generate(QUEST, 1));

        assertEquals("api_error_500", outcome.reason().code());
        ContentItem item = h.item(QUEST, 1);
        assertEquals("fallback:api_error_500", item.model());
        assertEquals(Map.of("anthropic", "api_error_500", "bedrock", "api_error_503"), item.providerReasons());
        Map<String, AttributeValue> raw = h.rawContentItem(QUEST, 1);
        assertEquals(Map.of("anthropic", AttributeValue.fromS("api_error_500"), "bedrock", AttributeValue.fromS("api_error_503")),
                raw.get("providerReasons").m(), "a public attribute: a map of provider to reason");
        assertNull(raw.get("provider"), "no provider wrote this text");
        assertEquals(1, circuitOf(Provider.ANTHROPIC).failureCount());
        assertEquals(1, circuitOf(Provider.BEDROCK).failureCount());
        assertEquals(FollowUp.Kind.UPGRADE, item.followUp().kind(), "upgraded later: a provider's reason allows it");
    }

    @Test
    @DisplayName("the primary's reason decides model, but the item is upgraded if any provider's reason is upgradeable")
    void upgradedIfAnyReasonIs() {
        h.providers("anthropic,bedrock").withApiKey(null);
        bedrock.failsWith(503, "ServiceUnavailableException");

        fallback(h.generate(QUEST, 1));

        ContentItem item = h.item(QUEST, 1);
        assertEquals("fallback:no_config", item.model(), "no_config alone would never be upgraded");
        assertEquals(Map.of("anthropic", "no_config", "bedrock", "api_error_503"), item.providerReasons());
        assertNotNull(item.followUp(), "Bedrock's 503 passes: the item is owed an upgrade");
    }

    @Test
    @DisplayName("a refusal (a player's context can provoke it) does not move to the next provider: it would only refuse again")
    void noFailoverOnARefusal() {
        h.providers("anthropic,bedrock");
        anthropic.replies("", "refusal");

        Outcome.Fallback outcome = fallback(h.generate(QUEST, 1));

        assertEquals("refused", outcome.reason().code());
        assertEquals(0, bedrock.requestCount());
        assertEquals(Map.of("anthropic", "refused"), h.item(QUEST, 1).providerReasons());
    }

    @Test
    @DisplayName("Anthropic's circuit open: the request goes straight to Bedrock; Anthropic is not called")
    void primaryOpenGoesStraightToTheSecondary() {
        h.providers("anthropic,bedrock");
        h.circuits.replace(Provider.ANTHROPIC, CircuitRecord.initial(),
                new CircuitRecord(CircuitState.OPEN, List.of(), h.now(), 1, null, ForcedState.NONE, 1));
        h.dynamoRequests.clear();

        assertInstanceOf(Outcome.Ready.class, h.generate(QUEST, 1));

        assertEquals(List.of("UpdateItem", "BatchGetItem", "UpdateItem"), h.dynamoRequests.kinds(),
                "the same three requests as a single provider's success");
        assertEquals(0, anthropic.requestCount());
        assertEquals("bedrock", h.item(QUEST, 1).provider());
    }

    @Test
    @DisplayName("forcing Bedrock open sends everything to Anthropic; forcing Anthropic open, to Bedrock")
    void forcingOneProviderOff() {
        h.providers("anthropic,bedrock");
        anthropic.repliesForEachType();
        h.circuitAdmin().force(Provider.BEDROCK, ForcedState.OPEN, "operator");
        assertInstanceOf(Outcome.Ready.class, h.generate(QUEST, 1));
        assertEquals("anthropic", h.item(QUEST, 1).provider());

        h.circuitAdmin().force(Provider.BEDROCK, ForcedState.NONE, "operator");
        h.circuitAdmin().force(Provider.ANTHROPIC, ForcedState.OPEN, "operator");
        assertInstanceOf(Outcome.Ready.class, h.generate(QUEST, 2));
        assertEquals("bedrock", h.item(QUEST, 2).provider());
    }

    @ParameterizedTest(name = "{1} ({0})")
    @CsvSource({"429, ThrottlingException", "400, ServiceQuotaExceededException", "429, ModelNotReadyException"})
    @DisplayName("Bedrock's throttles are rate_limited and hold every instance back from Bedrock: not counted")
    void bedrockThrottles(int status, String type) {
        h.providers("bedrock");
        bedrock.failsWith(status, type);

        Outcome.Fallback outcome = fallback(h.generate(QUEST, 1));
        fallback(h.generate(QUEST, 2));

        assertEquals("rate_limited", outcome.reason().code());
        assertEquals(1, bedrock.requestCount(), "the throttle held the second request back");
        assertNotNull(h.config().provider(Provider.BEDROCK).throttledUntil());
        assertEquals(0, circuitOf(Provider.BEDROCK).failureCount());
    }

    @ParameterizedTest(name = "{1} ({0})")
    @CsvSource({"408, ModelTimeoutException", "424, ModelErrorException", "500, InternalServerException", "503, ServiceUnavailableException"})
    @DisplayName("Bedrock's model timeouts, model errors and 5xx are counted, and upgraded later")
    void bedrockCountedFailures(int status, String type) {
        h.providers("bedrock");
        bedrock.failsWith(status, type);

        Outcome.Fallback outcome = fallback(h.generate(QUEST, 1));

        assertEquals("api_error_" + status, outcome.reason().code());
        assertTrue(outcome.reason().upgradeable());
        assertEquals(1, circuitOf(Provider.BEDROCK).failureCount());
    }

    @ParameterizedTest(name = "{1} ({0})")
    @CsvSource({"403, AccessDeniedException", "404, ResourceNotFoundException"})
    @DisplayName("no model access or a wrong model id: counted, and one ERROR naming BedrockModelId per environment — never Bedrock's message")
    void modelUnavailable(int status, String type) {
        h.providers("bedrock");
        bedrock.failsWith(status, type);

        fallback(h.generate(QUEST, 1));
        fallback(h.generate(QUEST, 2));

        List<JsonNode> errors = h.logs.withMessage("provider refuses the configured model; check the model id and model access");
        assertEquals(1, errors.size());
        assertEquals("BedrockModelId", errors.get(0).path("parameter").asText());
        assertEquals("bedrock", errors.get(0).path("provider").asText());
        assertTrue(h.logs.lines().stream().noneMatch(l -> l.contains("scripted " + type)), "Bedrock's error body is never logged");
        assertEquals("api_error_" + status, h.item(QUEST, 1).model().substring("fallback:".length()));
    }

    @Test
    @DisplayName("a Bedrock model that rejects the schema field gets prompt-only JSON from then on; Anthropic keeps structured outputs")
    void structuredOutputsDegradePerProvider() {
        h.providers("bedrock,anthropic");
        bedrock.repliesForEachType();
        bedrock.failsWhenBodyContains("output_config", 400, "ValidationException", "output_config.format: Extra inputs are not permitted");

        assertInstanceOf(Outcome.Ready.class, h.generate(QUEST, 1));
        assertInstanceOf(Outcome.Ready.class, h.generate(QUEST, 2));

        List<JsonNode> bodies = bedrock.requestBodies();
        assertEquals(3, bodies.size());
        assertTrue(bodies.get(0).has("output_config"));
        assertFalse(bodies.get(1).has("output_config"));
        assertFalse(bodies.get(2).has("output_config"));
        assertEquals(0, anthropic.requestCount());
        assertEquals(0, circuitOf(Provider.BEDROCK).failureCount());

        h.circuitAdmin().force(Provider.BEDROCK, ForcedState.OPEN, "operator");
        anthropic.repliesForEachType();
        h.generate(QUEST, 3);
        assertTrue(anthropic.requestBodies().get(0).has("output_config"), "Anthropic's own support is unaffected");
    }

    @Test
    @DisplayName("the daily budget counts every provider's tokens")
    void budgetCountsBothProviders() {
        h.providers("anthropic,bedrock");
        h.stackItem(Map.of("tokenBudget", AttributeValue.fromN("1000000")));
        anthropic.repliesForEachType();
        h.generate(QUEST, 1);
        anthropic.failsWith(500);
        h.generate(QUEST, 2);

        assertEquals(2 * BudgetTest.PER_CALL, h.config().tokensUsedOn(LocalDate.ofInstant(h.now(), ZoneOffset.UTC)),
                "one call's tokens from each provider");
    }

    @Test
    @DisplayName("no time left for the next provider: no_time for it, and it is not called")
    void noTimeForTheSecond() {
        h.providers("anthropic,bedrock");
        h.withCalls((transport, plan) -> {
            if (plan.provider() == Provider.ANTHROPIC) {
                h.clock.advance(Duration.ofMillis(2_500)); // a slow failure eats most of what was left
                return new LlmReply.HttpError(500);
            }
            return transport.send(plan);
        });

        Outcome.Fallback outcome = fallback(h.flow().generate(h.request(QUEST, "1", null), Claim.Kind.REQUEST,
                h.now().plus(GenerateSettings.DEFAULTS.writeMargin()).plusSeconds(3)));

        assertEquals("api_error_500", outcome.reason().code());
        assertEquals(Map.of("anthropic", "api_error_500", "bedrock", "no_time"), h.item(QUEST, 1).providerReasons());
        assertEquals(0, bedrock.requestCount());
    }

    @Test
    @DisplayName("ContentReady names the provider that wrote the text; circuit events name theirs; the stack item's writes announce nothing")
    void events() {
        h.providers("anthropic,bedrock");
        h.streams();
        anthropic.failsWith(500);
        h.stackItem(Map.of("tokenBudget", AttributeValue.fromN("1000000")));
        h.circuitAdmin().force(Provider.BEDROCK, ForcedState.CLOSED, "operator");
        h.circuitAdmin().force(Provider.ANTHROPIC, ForcedState.OPEN, "operator");
        anthropic.repliesForEachType();
        h.generate(QUEST, 1);

        h.streams().drain();
        List<DomainEvent> events = h.published.events();
        DomainEvent ready = events.stream().filter(e -> e.detailType().equals("ContentReady")).findFirst().orElseThrow();
        assertEquals("bedrock", ready.detail().path("provider").asText());
        List<String> circuits = events.stream().filter(e -> e.detailType().startsWith("Circuit"))
                .map(e -> e.detailType() + " " + e.detail().path("provider").asText()).toList();
        assertEquals(List.of("CircuitOpened anthropic"), circuits,
                "Bedrock forced closed from closed is no transition; the stack item (settings, budget) is no circuit");
    }

    @Test
    @DisplayName("a stack deployed before the stack item: the anthropic item's settings serve until the custom resource writes the stack item's")
    void settingsFromBeforeTheStackItem() {
        AttributeValue legacy = AttributeValue.fromM(Map.of("model", AttributeValue.fromS("claude-haiku-4-5"),
                "tokenBudget", AttributeValue.fromN("5000")));
        h.dynamo().putItem(r -> r.tableName(h.tableNames.circuit()).item(Map.of("provider", AttributeValue.fromS("anthropic"),
                "stackSettings", legacy, "circuitState", AttributeValue.fromS("closed"), "version", AttributeValue.fromN("4"))));

        assertEquals("claude-haiku-4-5", h.config().model(Provider.ANTHROPIC, "built-in"));
        assertEquals(5000, h.config().tokenBudget().getAsLong());
        anthropic.repliesForEachType();
        h.generate(QUEST, 1);
        assertEquals("claude-haiku-4-5", anthropic.requestBodies().get(0).path("model").asText(), "the call used the stack's model, not the built-in one");

        h.stackItem(Map.of("stackSettings", AttributeValue.fromM(Map.of("model", AttributeValue.fromS("claude-opus-4-5")))));
        assertEquals("claude-opus-4-5", h.config().model(Provider.ANTHROPIC, "built-in"), "once written, the stack item's settings win");
        assertFalse(h.config().tokenBudget().isPresent(), "whole: the old item's settings are not mixed in");
    }
}
