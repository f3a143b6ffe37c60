package dev.loresmith.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.loresmith.Json;
import dev.loresmith.generate.Outcome;
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
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * The stack's custom resource on events/stack-settings.json: a deploy's parameters reach the config item (so the
 * next request uses them, whatever function version the alias points at), and CloudFormation always gets an answer.
 */
class StackSettingsHandlerTest extends FlowTest {

    WireMockServer cloudFormation;

    @BeforeEach
    void responseUrl() {
        cloudFormation = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        cloudFormation.start();
        cloudFormation.stubFor(put(urlPathEqualTo("/response")).willReturn(aResponse().withStatus(200)));
    }

    @AfterEach
    void stop() {
        cloudFormation.stop();
    }

    JsonNode invoke(ObjectNode request) throws Exception {
        request.put("ResponseURL", "http://127.0.0.1:" + cloudFormation.port() + "/response?X-Amz-Signature=abc");
        new StackSettingsHandler(Wiring.stackSettings(h.outside())).handleRequest(new ByteArrayInputStream(Json.write(request).getBytes(StandardCharsets.UTF_8)),
                new ByteArrayOutputStream(), FakeContext.withSeconds(60));
        return TestJson.parse(cloudFormation.findAll(putRequestedFor(urlPathEqualTo("/response"))).get(0).getBodyAsString());
    }

    static ObjectNode sample() {
        return (ObjectNode) TestJson.parse(new String(SampleEvents.bytes("stack-settings.json"), StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("an Update writes the parameters to the config item, and the very next request uses them")
    void updateTakesEffect() throws Exception {
        ObjectNode request = sample();
        ((ObjectNode) request.path("ResourceProperties")).put("BaseUrl", anthropic.baseUrl());

        JsonNode answer = invoke(request);

        assertEquals("SUCCESS", answer.path("Status").asText());
        assertEquals("loresmith-stack-settings", answer.path("PhysicalResourceId").asText());
        assertEquals(request.path("RequestId").asText(), answer.path("RequestId").asText());
        assertEquals("StackSettings", answer.path("LogicalResourceId").asText());
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        assertInstanceOf(Outcome.Ready.class, h.generate("quest_description", 1));
        JsonNode sent = anthropic.requestBodies().get(0);
        assertEquals("claude-haiku-4-5", sent.path("model").asText());
        assertEquals(512, sent.path("max_tokens").asInt());
        assertEquals(2_000_000, h.config().tokenBudget().getAsLong());
    }

    @Test
    @DisplayName("an operator's override on the config item still wins over the stack's setting")
    void overrideWins() throws Exception {
        invoke(sample());
        h.dynamo().updateItem(r -> r.tableName(h.tableNames.circuit())
                .key(Map.of("provider", AttributeValue.fromS("anthropic")))
                .updateExpression("SET model = :m")
                .expressionAttributeValues(Map.of(":m", AttributeValue.fromS("claude-opus-4-5"))));

        assertEquals("claude-opus-4-5", h.config().model("default"));
        assertEquals(512, h.config().maxTokens(1024));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({"Model, 'claude sonnet'", "MaxTokens, lots", "MaxTokens, 0", "BaseUrl, ftp://proxy", "BaseUrl, http://proxy.example.com",
            "BaseUrl, 'https://proxy.example.com/a|b'", "BaseUrl, https://user:pw@proxy.example.com", "DailyTokenBudget, -1"})
    @DisplayName("a bad property fails the deploy with a reason naming it, and writes nothing")
    void badProperty(String property, String value) throws Exception {
        ObjectNode request = sample();
        ((ObjectNode) request.path("ResourceProperties")).put(property, value);

        JsonNode answer = invoke(request);

        assertEquals("FAILED", answer.path("Status").asText());
        assertEquals(property, answer.path("Reason").asText().split(" ", -1)[0]);
        assertEquals(Map.of(), h.rawCircuitItem());
    }

    @Test
    @DisplayName("a Delete answers SUCCESS and leaves the config item (the tables are retained)")
    void delete() throws Exception {
        invoke(sample());
        ObjectNode request = sample();
        request.put("RequestType", "Delete");

        assertEquals("SUCCESS", invoke(request).path("Status").asText());
        assertEquals("claude-haiku-4-5", h.config().model("default"));
    }

    @Test
    @DisplayName("DynamoDB failing: CloudFormation is told FAILED at once (not left waiting an hour), with the error's class only")
    void storageFails() throws Exception {
        h.dynamoFaults.failNext(UpdateItemRequest.class, 1,
                () -> DynamoDbException.builder().message("secret detail").statusCode(500).build());

        JsonNode answer = invoke(sample());

        assertEquals("FAILED", answer.path("Status").asText());
        assertEquals(false, answer.path("Reason").asText().contains("secret detail"));
    }
}
