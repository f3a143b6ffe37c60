package dev.loresmith.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.content.ContentType;
import dev.loresmith.content.ContentTypes;
import dev.loresmith.content.ShapeCheck;
import dev.loresmith.llm.BedrockTransport;
import dev.loresmith.llm.CallPlan;
import dev.loresmith.llm.LlmReply;
import dev.loresmith.llm.MessagesPrompt;
import dev.loresmith.llm.Provider;
import dev.loresmith.testing.TestAws;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.regions.Region;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The built-in fake model API: each behaviour answers as documented, and its healthy text is a valid document of every shipped type. */
class FakeModelApiTest {

    final HttpClient http = HttpClient.newHttpClient();

    HttpResponse<String> call(FakeModelApi api, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(api.baseUrl().resolve(FakeModelApi.path(api.provider())))
                .header("x-api-key", FakeModelApi.FAKE_KEY).POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String request(ContentType type) {
        return MessagesPrompt.of(type, null, FakeModelApi.FAKE_MODEL, 1024, true).body();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(FakeBehaviour.class)
    @DisplayName("each behaviour answers with its status; rate limiting says when to come back")
    void statuses(FakeBehaviour behaviour) throws Exception {
        ContentType quest = ContentTypes.bundled().find("quest_description").orElseThrow();
        try (FakeModelApi api = new FakeModelApi(Provider.ANTHROPIC, FakeModelApi.Script.always(behaviour), Duration.ofMillis(300))) {
            long started = System.nanoTime();
            HttpResponse<String> answer = call(api, request(quest));

            assertEquals(behaviour.status(), answer.statusCode());
            if (behaviour == FakeBehaviour.RATE_LIMITING) {
                assertEquals(Integer.toString(FakeBehaviour.RETRY_AFTER_SECONDS), answer.headers().firstValue("retry-after").orElseThrow());
                assertEquals("rate_limit_error", TestJson.parse(answer.body()).path("error").path("type").asText());
            }
            if (behaviour == FakeBehaviour.SLOW) {
                assertTrue(System.nanoTime() - started >= Duration.ofMillis(300).toNanos(), "answered only after its delay");
            }
            assertEquals(1, api.calls());
        }
    }

    @Test
    @DisplayName("a healthy answer is a Messages reply whose text is a valid document of the requested type, every field the fake text")
    void healthyTextFitsEveryType() throws Exception {
        ContentTypes types = ContentTypes.bundled();
        try (FakeModelApi api = new FakeModelApi(Provider.ANTHROPIC, FakeModelApi.Script.always(FakeBehaviour.HEALTHY))) {
            for (String name : types.names()) {
                ContentType type = types.find(name).orElseThrow();
                JsonNode reply = TestJson.parse(call(api, request(type)).body());

                assertEquals("end_turn", reply.path("stop_reason").asText());
                JsonNode document = TestJson.parse(reply.path("content").get(0).path("text").asText());
                assertInstanceOf(ShapeCheck.Conforms.class, type.check(document), name);
                type.fieldNames().forEach(field -> assertEquals(FakeModelApi.FAKE_TEXT, document.path(field).asText()));
            }
        }
    }

    @Test
    @DisplayName("a script changes behaviour after so many calls (the outage demo's: three failures, then recovery); other paths 404")
    void scripts() throws Exception {
        ContentType quest = ContentTypes.bundled().find("quest_description").orElseThrow();
        try (FakeModelApi api = new FakeModelApi(Provider.ANTHROPIC, FakeModelApi.Script.firstThen(3, FakeBehaviour.FAILING, FakeBehaviour.HEALTHY))) {
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                statuses.add(call(api, request(quest)).statusCode());
            }
            assertEquals(List.of(500, 500, 500, 200, 200), statuses);

            HttpResponse<String> elsewhere = http.send(HttpRequest.newBuilder(api.baseUrl().resolve("/v1/complete"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, elsewhere.statusCode());
            assertEquals(5, api.calls(), "not counted as a call");
        }
    }

    @Test
    @DisplayName("the Bedrock fake takes BedrockTransport's signed InvokeModel on the model's path and answers as Bedrock does: the same"
            + " Messages reply, failures by x-amzn-ErrorType (500 counted, ThrottlingException a 429)")
    void bedrockThroughTheRealTransport() throws Exception {
        ContentType quest = ContentTypes.bundled().find("quest_description").orElseThrow();
        FakeModelApi.Script script = new FakeModelApi.Script("healthy, failing, rate-limiting",
                call -> List.of(FakeBehaviour.HEALTHY, FakeBehaviour.FAILING, FakeBehaviour.RATE_LIMITING).get(call - 1));
        try (FakeModelApi api = new FakeModelApi(Provider.BEDROCK, script)) {
            BedrockTransport transport = new BedrockTransport(TestAws.CREDENTIALS, Region.US_EAST_1, api.baseUrl());
            CallPlan plan = new CallPlan(Provider.BEDROCK, null, FakeModelApi.FAKE_MODEL, 1024, true, Duration.ofSeconds(10),
                    MessagesPrompt.of(Provider.BEDROCK, quest, null, FakeModelApi.FAKE_MODEL, 1024, true));

            LlmReply.Answer answer = assertInstanceOf(LlmReply.Answer.class, transport.send(plan));
            assertInstanceOf(ShapeCheck.Conforms.class, quest.check(TestJson.parse(answer.text())));
            LlmReply.HttpError failed = assertInstanceOf(LlmReply.HttpError.class, transport.send(plan));
            assertEquals(500, failed.status());
            LlmReply.HttpError throttled = assertInstanceOf(LlmReply.HttpError.class, transport.send(plan));
            assertEquals(429, throttled.status());
            assertEquals(3, api.calls());
            assertEquals(Map.of("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", api.baseUrl().toString(), "BEDROCK_MODEL_ID", FakeModelApi.FAKE_MODEL),
                    api.environment());
        }
    }
}
