package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.content.ContentStatus;
import dev.loresmith.testing.FakeContext;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP API handler on the events/api-*.json samples and variations of them. */
class ApiHandlerTest extends FlowTest {

    static final String ANY_TYPE_JSON = SqsGenerateHandlerTest.ANY_TYPE_JSON;

    APIGatewayV2HTTPResponse call(APIGatewayV2HTTPEvent event) {
        return new ApiHandler(h.services()).handleRequest(event, FakeContext.withSeconds(29));
    }

    static APIGatewayV2HTTPEvent post(String body) {
        APIGatewayV2HTTPEvent event = SampleEvents.http("api-post.json");
        event.setBody(body);
        return event;
    }

    static APIGatewayV2HTTPEvent request(String method, String path) {
        APIGatewayV2HTTPEvent event = SampleEvents.http("api-get.json");
        event.getRequestContext().getHttp().setMethod(method);
        event.setRawPath(path);
        return event;
    }

    static JsonNode body(APIGatewayV2HTTPResponse response) {
        return TestJson.parse(response.getBody());
    }

    @Test
    @DisplayName("POST /content writes the pending item, enqueues it and answers 202 with its URL")
    void postQueues() {
        APIGatewayV2HTTPResponse response = call(SampleEvents.http("api-post.json"));

        assertEquals(202, response.getStatusCode());
        assertEquals("/content/quest_description/42", response.getHeaders().get("location"));
        assertEquals("pending", body(response).path("status").asText());
        assertEquals(ContentStatus.PENDING, h.item("quest_description", 42).status());
        assertEquals(List.of(TestJson.parse("{\"contentType\":\"quest_description\",\"contentId\":42,"
                + "\"context\":{\"questName\":\"The Drowned Bell\",\"giver\":{\"name\":\"Old Mara\"}}}")), h.queue.messages());
        assertEquals(0, anthropic.requestCount());
    }

    @Test
    @DisplayName("the queued message, run through the SQS handler, makes the item ready; GET then returns it")
    void postThenGenerateThenGet() {
        anthropic.replies(ANY_TYPE_JSON);
        call(SampleEvents.http("api-post.json"));
        com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage message = new com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage();
        message.setMessageId("m-1");
        message.setBody(dev.loresmith.Json.write(h.queue.messages().get(0)));
        com.amazonaws.services.lambda.runtime.events.SQSEvent event = new com.amazonaws.services.lambda.runtime.events.SQSEvent();
        event.setRecords(List.of(message));
        new SqsGenerateHandler(h.services()).handleRequest(event, FakeContext.withSeconds(45));

        APIGatewayV2HTTPResponse got = call(SampleEvents.http("api-get.json"));

        assertEquals(200, got.getStatusCode());
        JsonNode item = body(got);
        assertEquals("quest_description", item.path("contentType").asText());
        assertEquals(42, item.path("contentId").asLong());
        assertEquals("ready", item.path("status").asText());
        assertEquals("{\"title\":\"The Drowned Bell\",\"description\":\"Dive for the bell.\"}", item.path("text").asText());
        assertEquals("claude-sonnet-4-5", item.path("model").asText());
        assertEquals(h.now().toString(), item.path("generatedAt").asText());
    }

    @Test
    @DisplayName("POST for an item already ready answers 200 with it and enqueues nothing")
    void postReady() {
        anthropic.replies(ANY_TYPE_JSON);
        h.generate("quest_description", 42);

        APIGatewayV2HTTPResponse response = call(SampleEvents.http("api-post.json"));

        assertEquals(200, response.getStatusCode());
        assertEquals("ready", body(response).path("status").asText());
        assertTrue(h.queue.messages().isEmpty());
    }

    @Test
    @DisplayName("POST for a failed item asks again: back to pending and enqueued")
    void postFailedRetries() {
        h.withApiKey(null);
        h.generate("quest_description", 42);
        assertEquals(ContentStatus.FAILED, h.item("quest_description", 42).status());

        APIGatewayV2HTTPResponse response = call(SampleEvents.http("api-post.json"));

        assertEquals(202, response.getStatusCode());
        assertEquals(ContentStatus.PENDING, h.item("quest_description", 42).status());
        assertEquals(1, h.queue.messages().size());
    }

    @Test
    @DisplayName("POST with \"wait\": true runs the flow in the request and returns the written item")
    void postWait() {
        anthropic.replies(ANY_TYPE_JSON);

        APIGatewayV2HTTPResponse response = call(SampleEvents.http("api-post-wait.json"));

        assertEquals(200, response.getStatusCode());
        JsonNode item = body(response);
        assertEquals("ready", item.path("status").asText());
        assertEquals("{\"headline\":\"Holloway Dam Breaks\",\"consequence\":\"The lower fields flood.\"}", item.path("text").asText());
        assertTrue(h.queue.messages().isEmpty());
        assertEquals(ContentStatus.READY, h.item("event_consequence", 7).status());
    }

    @Test
    @DisplayName("POST with \"wait\": true while the API is down returns the fallback item")
    void postWaitFallback() {
        anthropic.failsWith(500);

        JsonNode item = body(call(SampleEvents.http("api-post-wait.json")));

        assertEquals("failed", item.path("status").asText());
        assertEquals("fallback:api_error_500", item.path("model").asText());
        assertEquals(h.types.find("event_consequence").orElseThrow().fallbacks().get(2), item.path("text").asText());
    }

    @Test
    @DisplayName("GET of an item never requested answers 404")
    void getMissing() {
        APIGatewayV2HTTPResponse response = call(SampleEvents.http("api-get.json"));

        assertEquals(404, response.getStatusCode());
        assertTrue(body(response).path("error").asText().contains("quest_description/42"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "not JSON|{nope|body",
            "a JSON array|[1,2]|body",
            "no contentType|{\"contentId\":1}|contentType",
            "unknown contentType|{\"contentType\":\"poem\",\"contentId\":1}|contentType",
            "negative contentId|{\"contentType\":\"quest_description\",\"contentId\":-1}|contentId",
            "wait not a boolean|{\"contentType\":\"quest_description\",\"contentId\":1,\"wait\":\"yes\"}|wait",
            "unknown field|{\"contentType\":\"quest_description\",\"contentId\":1,\"priority\":9}|priority"})
    @DisplayName("bad POST bodies answer 400 naming the field, and write and enqueue nothing")
    void badPost(String what, String body, String field) {
        APIGatewayV2HTTPResponse response = call(post(body));

        assertEquals(400, response.getStatusCode(), what);
        assertEquals(field, body(response).path("field").asText());
        assertTrue(body(response).path("error").asText().length() > 10);
        assertEquals(0, h.dynamo().scan(r -> r.tableName(h.tableNames.content())).count());
        assertTrue(h.queue.messages().isEmpty());
    }

    @Test
    @DisplayName("a base64 body is decoded; invalid UTF-8 inside it answers 400")
    void base64Bodies() {
        APIGatewayV2HTTPEvent good = post(Base64.getEncoder().encodeToString(
                "{\"contentType\":\"quest_description\",\"contentId\":5}".getBytes(StandardCharsets.UTF_8)));
        good.setIsBase64Encoded(true);
        assertEquals(202, call(good).getStatusCode());

        APIGatewayV2HTTPEvent bad = post(Base64.getEncoder().encodeToString(new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'}));
        bad.setIsBase64Encoded(true);
        APIGatewayV2HTTPResponse response = call(bad);
        assertEquals(400, response.getStatusCode());
        assertEquals("body", body(response).path("field").asText());
    }

    @ParameterizedTest(name = "{0} {1} → {2}")
    @CsvSource({
            "GET, /content, 405",
            "DELETE, /content/quest_description/42, 405",
            "GET, /nothing, 404",
            "GET, /content/quest_description/42/extra, 404",
            "GET, /content/poem/1, 400",
            "GET, /content/quest_description/12abc, 400",
            "GET, /content/quest_description/18446744073709551616, 400"})
    @DisplayName("routes: wrong method 405, unknown path 404, bad path parameters 400")
    void routes(String method, String path, int status) {
        APIGatewayV2HTTPResponse response = call(request(method, path));

        assertEquals(status, response.getStatusCode());
        if (status == 405) {
            assertTrue(response.getHeaders().containsKey("allow"));
        }
    }

    @Test
    @DisplayName("when the queue is unavailable: 503, and the item holds its fallback instead of staying pending")
    void queueDown() {
        h.queue.unavailable();

        APIGatewayV2HTTPResponse response = call(SampleEvents.http("api-post.json"));

        assertEquals(503, response.getStatusCode());
        assertEquals(ContentStatus.FAILED, h.item("quest_description", 42).status());
        assertEquals("fallback:not_queued", h.item("quest_description", 42).model());
    }
}
