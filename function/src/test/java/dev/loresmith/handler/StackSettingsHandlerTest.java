package dev.loresmith.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.loresmith.Json;
import dev.loresmith.generate.Outcome;
import dev.loresmith.llm.Provider;
import dev.loresmith.retry.Pause;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FakeContext;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stack's custom resource on events/stack-settings.json, answering a local stand-in for CloudFormation's
 * pre-signed ResponseURL: a deploy's parameters reach the config item (so the next request uses them), every event
 * is answered — FAILED when anything is wrong — and an answer that could not be delivered fails the invocation, so
 * Lambda's asynchronous retries deliver it rather than leave CloudFormation waiting for its timeout.
 */
class StackSettingsHandlerTest extends FlowTest {

    static final String SIGNATURE = "X-Amz-Signature=0123456789abcdef-presigned";

    WireMockServer cloudFormation;
    /** The pauses the handler took between tries (none real: tests never sleep). */
    final List<Duration> pauses = new ArrayList<>();

    @BeforeEach
    void startResponseUrl() {
        cloudFormation = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        cloudFormation.start();
        cloudFormation.stubFor(put(urlPathEqualTo("/response")).willReturn(aResponse().withStatus(200)));
    }

    @AfterEach
    void stop() {
        cloudFormation.stop();
    }

    String responseUrl() {
        return "http://127.0.0.1:" + cloudFormation.port() + "/response?" + SIGNATURE;
    }

    StackSettingsHandler handler() {
        return new StackSettingsHandler(new StackSettingsHandler.Dependencies(h.circuits, h.logs.log(h.clock), pauses::add, h.clock));
    }

    void invoke(byte[] event, int remainingSeconds) throws Exception {
        handler().handleRequest(new ByteArrayInputStream(event), new ByteArrayOutputStream(), FakeContext.withSeconds(remainingSeconds));
    }

    void invoke(ObjectNode request) throws Exception {
        request.put("ResponseURL", responseUrl());
        invoke(Json.write(request).getBytes(StandardCharsets.UTF_8), 30);
    }

    List<LoggedRequest> answers() {
        return cloudFormation.findAll(putRequestedFor(urlPathEqualTo("/response")));
    }

    JsonNode answer(ObjectNode request) throws Exception {
        invoke(request);
        return TestJson.parse(answers().get(0).getBodyAsString());
    }

    static ObjectNode sample() {
        return (ObjectNode) TestJson.parse(new String(SampleEvents.bytes("stack-settings.json"), StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("an Update writes the parameters to the config item, and the very next request uses them")
    void updateTakesEffect() throws Exception {
        ObjectNode request = sample();
        ((ObjectNode) request.path("ResourceProperties")).put("BaseUrl", anthropic.baseUrl());

        JsonNode answer = answer(request);

        assertEquals("SUCCESS", answer.path("Status").asText());
        assertEquals("loresmith-stack-settings", answer.path("PhysicalResourceId").asText());
        assertEquals(request.path("RequestId").asText(), answer.path("RequestId").asText());
        assertEquals(request.path("StackId").asText(), answer.path("StackId").asText());
        assertEquals("ConfigSettings", answer.path("LogicalResourceId").asText());
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        assertInstanceOf(Outcome.Ready.class, h.generate("quest_description", 1));
        JsonNode sent = anthropic.requestBodies().get(0);
        assertEquals("claude-haiku-4-5", sent.path("model").asText());
        assertEquals(512, sent.path("max_tokens").asInt());
        assertEquals(2_000_000, h.config().tokenBudget().getAsLong());
        assertEquals(List.of(Provider.ANTHROPIC, Provider.BEDROCK), h.config().order());
        assertEquals("global.anthropic.claude-sonnet-4-5-20250929-v1:0", h.config().model(Provider.BEDROCK, "default"));
        assertEquals(Map.of(), h.rawCircuitItem(), "what providers share is on the stack item, not Anthropic's");
        assertEquals("anthropic,bedrock", h.rawStackItem().get("stackSettings").m().get("providers").s());
    }

    @Test
    @DisplayName("an event from a stack created before Providers existed (no Providers, no BedrockModelId) means Anthropic alone")
    void beforeProviders() throws Exception {
        ObjectNode request = sample();
        ((ObjectNode) request.path("ResourceProperties")).remove(List.of("Providers", "BedrockModelId"));

        assertEquals("SUCCESS", answer(request).path("Status").asText());
        assertEquals(List.of(Provider.ANTHROPIC), h.config().order());
    }

    @Test
    @DisplayName("the answer is a PUT without a content type (the pre-signed URL is signed without one), well under 4096 bytes")
    void answerShape() throws Exception {
        answer(sample());

        LoggedRequest put = answers().get(0);
        assertFalse(put.containsHeader("Content-Type"), "content type: " + put.getHeader("Content-Type"));
        assertTrue(put.getBody().length < 4096);
    }

    @Test
    @DisplayName("an operator's override on the config item still wins over the stack's setting")
    void overrideWins() throws Exception {
        invoke(sample());
        h.dynamo().updateItem(r -> r.tableName(h.tableNames.circuit())
                .key(Map.of("provider", AttributeValue.fromS("anthropic")))
                .updateExpression("SET model = :m")
                .expressionAttributeValues(Map.of(":m", AttributeValue.fromS("claude-opus-4-5"))));

        assertEquals("claude-opus-4-5", h.config().model(Provider.ANTHROPIC, "default"));
        assertEquals(512, h.config().maxTokens(Provider.ANTHROPIC, 1024));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({"Model, 'claude sonnet'", "MaxTokens, lots", "MaxTokens, 0", "BaseUrl, ftp://proxy", "BaseUrl, http://proxy.example.com",
            "BaseUrl, 'https://proxy.example.com/a|b'", "BaseUrl, https://user:pw@proxy.example.com", "DailyTokenBudget, -1",
            "Providers, openai", "Providers, 'anthropic,anthropic'", "Providers, ''", "Providers, 'bedrock,'",
            "BedrockModelId, 'anthropic claude'", "BedrockModelId, ''"})
    @DisplayName("a bad property fails the deploy with a reason naming it, and writes nothing")
    void badProperty(String property, String value) throws Exception {
        ObjectNode request = sample();
        ((ObjectNode) request.path("ResourceProperties")).put(property, value);

        JsonNode answer = answer(request);

        assertEquals("FAILED", answer.path("Status").asText());
        assertEquals(property, answer.path("Reason").asText().split(" ", -1)[0]);
        assertEquals(Map.of(), h.rawCircuitItem());
        assertEquals(Map.of(), h.rawStackItem(), "nothing written");
    }

    @Test
    @DisplayName("a Delete answers SUCCESS and leaves the config item (the tables are retained)")
    void delete() throws Exception {
        invoke(sample());
        ObjectNode request = sample();
        request.put("RequestType", "Delete");
        cloudFormation.resetRequests();

        assertEquals("SUCCESS", answer(request).path("Status").asText());
        assertEquals("claude-haiku-4-5", h.config().model(Provider.ANTHROPIC, "default"));
    }

    @Test
    @DisplayName("DynamoDB failing: CloudFormation is told FAILED at once (not left waiting), with the error's class only")
    void storageFails() throws Exception {
        h.dynamoFaults.failNext(UpdateItemRequest.class, 1,
                () -> DynamoDbException.builder().message("secret detail").statusCode(500).build());

        JsonNode answer = answer(sample());

        assertEquals("FAILED", answer.path("Status").asText());
        assertFalse(answer.path("Reason").asText().contains("secret detail"));
    }

    @Test
    @DisplayName("an event that is not valid JSON is still answered FAILED, at the ResponseURL its text names, with its ids")
    void malformedEventAnswered() throws Exception {
        String event = "{\"RequestType\": \"Update\", \"ResponseURL\": \"" + responseUrl() + "\", \"StackId\": \"arn:aws:cloudformation:"
                + "us-east-1:123456789012:stack/loresmith/0000\", \"RequestId\": \"r-1\", \"LogicalResourceId\": \"ConfigSettings\", "
                + "\"ResourceProperties\": {\"Model\": \"claude-haiku-4-5\",, }";

        invoke(event.getBytes(StandardCharsets.UTF_8), 30);

        JsonNode answer = TestJson.parse(answers().get(0).getBodyAsString());
        assertEquals("FAILED", answer.path("Status").asText());
        assertTrue(answer.path("Reason").asText().contains("not a JSON object"), answer.toString());
        assertEquals("r-1", answer.path("RequestId").asText());
        assertEquals("ConfigSettings", answer.path("LogicalResourceId").asText());
        assertEquals("arn:aws:cloudformation:us-east-1:123456789012:stack/loresmith/0000", answer.path("StackId").asText());
        assertEquals(Map.of(), h.rawCircuitItem());
    }

    @Test
    @DisplayName("a RequestType CloudFormation never sends is answered FAILED, naming the field")
    void unknownRequestType() throws Exception {
        ObjectNode request = sample();
        request.put("RequestType", "Upsert");

        JsonNode answer = answer(request);

        assertEquals("FAILED", answer.path("Status").asText());
        assertTrue(answer.path("Reason").asText().startsWith("RequestType"));
        assertEquals(Map.of(), h.rawCircuitItem());
    }

    @Test
    @DisplayName("an event with no usable ResponseURL cannot be answered: the invocation fails (the errors alarm sees it)")
    void noResponseUrl() {
        ObjectNode request = sample();
        request.remove("ResponseURL");

        assertThrows(InvocationFailed.class, () -> invoke(Json.write(request).getBytes(StandardCharsets.UTF_8), 30));
        assertThrows(InvocationFailed.class, () -> invoke("not json at all".getBytes(StandardCharsets.UTF_8), 30));
        request.put("ResponseURL", "file:///etc/passwd");
        assertThrows(InvocationFailed.class, () -> invoke(Json.write(request).getBytes(StandardCharsets.UTF_8), 30));
    }

    @Test
    @DisplayName("a ResponseURL answering 5xx is tried again: the answer gets through on the second PUT")
    void transientFailureRetried() throws Exception {
        cloudFormation.stubFor(put(urlPathEqualTo("/response")).inScenario("s3").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("up"));
        cloudFormation.stubFor(put(urlPathEqualTo("/response")).inScenario("s3").whenScenarioStateIs("up")
                .willReturn(aResponse().withStatus(200)));

        invoke(sample());

        assertEquals(2, answers().size());
        assertEquals(1, pauses.size(), "one back-off, injected: the test did not sleep");
        assertEquals(1, h.logs.withMessage("custom resource answered").size());
    }

    @Test
    @DisplayName("an answer that keeps failing (5xx) fails the invocation so Lambda retries it; the pre-signed URL is never logged")
    void lastingFailureFailsTheInvocation() {
        cloudFormation.stubFor(put(urlPathEqualTo("/response")).willReturn(aResponse().withStatus(500)));

        InvocationFailed failed = assertThrows(InvocationFailed.class, () -> invoke(sample()));

        assertEquals(StackSettingsHandler.DELIVERY.maxAttempts(), answers().size());
        assertTrue(failed.getMessage().contains("500"), failed.getMessage());
        assertFalse(failed.getMessage().contains("Signature"));
        h.logs.lines().forEach(line -> assertFalse(line.contains(SIGNATURE), line));
        assertEquals(1, h.logs.withMessage("custom resource answer not delivered; failing the invocation so Lambda retries it").size());
    }

    @Test
    @DisplayName("an I/O error on the answer (connection reset) fails the invocation too")
    void ioErrorFailsTheInvocation() {
        cloudFormation.stubFor(put(urlPathEqualTo("/response")).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

        InvocationFailed failed = assertThrows(InvocationFailed.class, () -> invoke(sample()));

        assertTrue(failed.getMessage().contains("IOException") || failed.getMessage().contains("Exception"), failed.getMessage());
        assertEquals(StackSettingsHandler.DELIVERY.maxAttempts(), answers().size());
    }

    @Test
    @DisplayName("a ResponseURL refusing the answer (403: expired or wrongly signed) fails the invocation without trying again in it")
    void refusedNotRetriedInTheInvocation() {
        cloudFormation.stubFor(put(urlPathEqualTo("/response")).willReturn(aResponse().withStatus(403)));

        assertThrows(InvocationFailed.class, () -> invoke(sample()));

        assertEquals(1, answers().size());
    }

    @Test
    @DisplayName("tries stop at the invocation's deadline: with 1 s left there is no time to pause and try again")
    void boundedByTheInvocation() {
        cloudFormation.stubFor(put(urlPathEqualTo("/response")).willReturn(aResponse().withStatus(503)));
        ObjectNode request = sample();
        request.put("ResponseURL", responseUrl());

        assertThrows(InvocationFailed.class, () -> invoke(Json.write(request).getBytes(StandardCharsets.UTF_8), 1));

        assertEquals(1, answers().size());
        assertEquals(List.of(), pauses);
    }
}
