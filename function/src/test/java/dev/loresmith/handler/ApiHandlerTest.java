package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.item.FollowUp.Kind;
import dev.loresmith.testing.FakeContext;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.core.RequestOverrideConfiguration;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP API handler on the events/api-*.json samples and variations of them. */
class ApiHandlerTest extends FlowTest {

    APIGatewayV2HTTPResponse call(APIGatewayV2HTTPEvent event) {
        return new ApiHandler(Wiring.api(h.outside())).handleRequest(event, FakeContext.withSeconds(29));
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
    @DisplayName("the queued message, run through the SQS handler, makes the item ready; GET returns it, the document as an object too")
    void postThenGenerateThenGet() {
        anthropic.repliesForEachType();
        h.workQueue();
        call(SampleEvents.http("api-post.json"));
        h.queue.pump();

        APIGatewayV2HTTPResponse got = call(SampleEvents.http("api-get.json"));

        assertEquals(200, got.getStatusCode());
        JsonNode item = body(got);
        assertEquals("quest_description", item.path("contentType").asText());
        assertEquals(42, item.path("contentId").asLong());
        assertEquals("ready", item.path("status").asText());
        assertEquals("{\"title\":\"The Drowned Bell\",\"description\":\"Dive for the bell.\"}", item.path("text").asText());
        assertEquals(TestJson.parse(item.path("text").asText()), item.path("content"), "content is text, parsed: no second parse for clients");
        assertEquals("claude-sonnet-4-5", item.path("model").asText());
        assertEquals("anthropic", item.path("provider").asText(), "the provider that wrote the text");
        assertTrue(item.path("providerReasons").isMissingNode(), "a ready item has no fallback reasons");
        assertEquals(h.now().toString(), item.path("generatedAt").asText());
        assertTrue(item.path("context").isMissingNode(), "the stored context is not shown");
    }

    @Test
    @DisplayName("GET of a fallback shows each provider's reason and no provider: no provider wrote its text")
    void getFallbackShowsProviderReasons() {
        anthropic.failsWith(503);
        h.workQueue();
        call(SampleEvents.http("api-post.json"));
        h.queue.pump();

        JsonNode item = body(call(SampleEvents.http("api-get.json")));

        assertEquals("fallback:api_error_503", item.path("model").asText());
        assertEquals(TestJson.parse("{\"anthropic\":\"api_error_503\"}"), item.path("providerReasons"));
        assertTrue(item.path("provider").isMissingNode());
        JsonNode logged = h.logs.withMessage("content fallback").get(0);
        assertEquals(TestJson.parse("{\"anthropic\":\"api_error_503\"}"), logged.path("providerReasons"), "the log line carries them too");
        assertTrue(logged.path("provider").isMissingNode());
    }

    @Test
    @DisplayName("POST for an item already ready answers 200 with it and enqueues nothing")
    void postReady() {
        anthropic.repliesForEachType();
        h.generate("quest_description", 42);

        APIGatewayV2HTTPResponse response = call(SampleEvents.http("api-post.json"));

        assertEquals(200, response.getStatusCode());
        assertEquals("ready", body(response).path("status").asText());
        assertTrue(h.queue.messages().isEmpty());
    }

    @Test
    @DisplayName("POST for a failed item asks again: it keeps serving its fallback (never back to pending) and is enqueued")
    void postFailedRetries() {
        h.withApiKey(null);
        h.generate("quest_description", 42);
        String fallback = h.item("quest_description", 42).text();

        APIGatewayV2HTTPResponse response = call(SampleEvents.http("api-post.json"));

        assertEquals(202, response.getStatusCode());
        assertEquals("failed", body(response).path("status").asText());
        assertEquals(fallback, body(response).path("text").asText());
        assertEquals(ContentStatus.FAILED, h.item("quest_description", 42).status());
        assertEquals(1, h.queue.messages().size());
    }

    @Test
    @DisplayName("POST with \"wait\": true enqueues, watches the item while the queue's worker generates it, and returns it")
    void postWait() {
        anthropic.repliesForEachType();
        h.workQueue();

        APIGatewayV2HTTPResponse response = call(SampleEvents.http("api-post-wait.json"));

        assertEquals(200, response.getStatusCode());
        JsonNode item = body(response);
        assertEquals("ready", item.path("status").asText());
        assertEquals("{\"headline\":\"Holloway Dam Breaks\",\"consequence\":\"The lower fields flood.\"}", item.path("text").asText());
        assertEquals("Holloway Dam Breaks", item.path("content").path("headline").asText());
        assertEquals(1, h.queue.messages().size(), "the request is durable (queued) before anyone works on it");
        assertEquals(1, anthropic.requestCount(), "generated once, by the queue's worker");
        assertEquals(ContentStatus.READY, h.item("event_consequence", 7).status());
    }

    @Test
    @DisplayName("POST with \"wait\": true while the API is down returns the fallback item")
    void postWaitFallback() {
        anthropic.failsWith(500);
        h.workQueue();

        JsonNode item = body(call(SampleEvents.http("api-post-wait.json")));

        assertEquals("failed", item.path("status").asText());
        assertEquals("fallback:api_error_500", item.path("model").asText());
        assertEquals(h.types.find("event_consequence").orElseThrow().fallbacks().get(2), item.path("text").asText());
    }

    @Test
    @DisplayName("POST with \"wait\": true whose reads fail while it waits: 202 and the URL, never a 500 for a request already queued")
    void postWaitReadsFail() {
        anthropic.repliesForEachType();
        h.dynamoFaults.failNext(GetItemRequest.class, 1000,
                () -> DynamoDbException.builder().message("injected").statusCode(500).build());

        APIGatewayV2HTTPResponse response = call(SampleEvents.http("api-post-wait.json"));

        assertEquals(202, response.getStatusCode());
        assertEquals("/content/event_consequence/7", response.getHeaders().get("location"));
        assertEquals(1, h.queue.messages().size(), "queued once; a client need not send it again");
        assertTrue(!h.logs.withMessage("wait read failed").isEmpty());
    }

    @Test
    @DisplayName("POST with \"wait\": true when generation takes longer than the API may wait: 202 and the URL; the queue still finishes it")
    void postWaitTimesOut() {
        anthropic.repliesForEachType(); // nobody works the queue while the request waits

        APIGatewayV2HTTPResponse response = call(SampleEvents.http("api-post-wait.json"));

        assertEquals(202, response.getStatusCode());
        assertEquals("/content/event_consequence/7", response.getHeaders().get("location"));
        assertEquals("pending", body(response).path("status").asText());
        assertTrue(h.now().isAfter(Instant.parse("2026-11-25T10:00:20Z")), "it waited (on the test's clock)");
        assertTrue(h.now().isBefore(Instant.parse("2026-11-25T10:00:29Z")), "and answered inside API Gateway's 30 s");

        h.workQueue();
        h.queue.pump();
        assertEquals(ContentStatus.READY, h.item("event_consequence", 7).status(), "the queued message finished it");
    }

    @Test
    @DisplayName("\"wait\": true answers within the function's time from its start, however long SendMessage took (4 s here)")
    void waitDeadlineFromEntry() {
        Instant entry = h.now();
        h.queue.beforeEachSend(() -> h.clock.advance(Duration.ofSeconds(4)));

        APIGatewayV2HTTPResponse response = call(SampleEvents.http("api-post-wait.json"));

        assertEquals(202, response.getStatusCode());
        assertTrue(!h.now().isAfter(entry.plusSeconds(29).minus(ApiHandler.ANSWER_MARGIN)),
                "answered by " + h.now() + ": inside the 29 s the function has, from its start at " + entry);
        assertTrue(h.now().isAfter(entry.plusSeconds(20)), "and it did wait");
        Duration allowed = h.queue.sent().get(0).within();
        assertTrue(allowed.compareTo(Duration.ofSeconds(29)) < 0, "SendMessage was bounded by the time left: " + allowed);
    }

    @Test
    @DisplayName("\"wait\": true whose reads hang: every read is cut to the time left, and the answer still comes in time")
    void waitReadsHang() {
        Instant entry = h.now();
        h.dynamoFaults.hangNext(GetItemRequest.class, 1000, h.clock);

        APIGatewayV2HTTPResponse response = call(SampleEvents.http("api-post-wait.json"));

        assertEquals(202, response.getStatusCode());
        assertTrue(h.dynamoFaults.injected() >= 1, "it read while waiting");
        assertTrue(!h.now().isAfter(entry.plusSeconds(29).minus(ApiHandler.ANSWER_MARGIN)),
                "answered by " + h.now() + ", from its start at " + entry);
        for (GetItemRequest read : h.dynamoRequests.of(GetItemRequest.class)) {
            assertTrue(read.overrideConfiguration().flatMap(RequestOverrideConfiguration::apiCallTimeout).isPresent(),
                    "every read during the wait is bounded");
        }
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
    @DisplayName("an unknown field's error lists every field the HTTP API takes, wait included")
    void unknownFieldListsWait() {
        APIGatewayV2HTTPResponse response = call(post("{\"contentType\":\"quest_description\",\"contentId\":1,\"priority\":9}"));

        assertEquals("unknown field 'priority'; expected contentType, contentId, context, wait", body(response).path("error").asText());
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
    @DisplayName("when the queue is unavailable: 503, and the item holds its fallback (to be upgraded) instead of staying pending")
    void queueDown() {
        h.queue.unavailable();

        APIGatewayV2HTTPResponse response = call(SampleEvents.http("api-post.json"));

        assertEquals(503, response.getStatusCode());
        assertEquals("fallback:not_queued", body(response).path("model").asText());
        assertEquals(ContentStatus.FAILED, h.item("quest_description", 42).status());
        assertEquals("fallback:not_queued", h.item("quest_description", 42).model());
        assertEquals(Kind.UPGRADE, h.item("quest_description", 42).followUp().kind());
        JsonNode emf = h.emf.parsed().get(0);
        assertEquals(1, emf.path("Fallbacks").asInt(), "a fallback the fallback-ratio alarm sees");
        assertEquals(1, emf.path("Generations").asInt());
        assertEquals("not_queued", emf.path("Reason").asText());
    }

    @Test
    @DisplayName("when the queue is unavailable, \"wait\": true answers 200 with the fallback at once: the player never waits")
    void queueDownWait() {
        h.queue.unavailable();

        APIGatewayV2HTTPResponse response = call(SampleEvents.http("api-post-wait.json"));

        assertEquals(200, response.getStatusCode());
        assertEquals("fallback:not_queued", body(response).path("model").asText());
    }
}
