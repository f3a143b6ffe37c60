package dev.loresmith.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.SecretWatch;
import dev.loresmith.testing.Template;
import dev.loresmith.testing.TestAws;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local runner started on a free port, driven over real HTTP, against the suite's DynamoDB endpoint. */
class LocalRunnerTest {

    static final String QUEST_JSON = "{\"title\":\"The Drowned Bell\",\"description\":\"Dive for the bell.\","
            + "\"headline\":\"Holloway Dam Breaks\",\"consequence\":\"The lower fields flood.\"}";
    static FakeAnthropic anthropic;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        anthropic = new FakeAnthropic();
    }

    @AfterAll
    static void stop() {
        anthropic.close();
    }

    static Map<String, String> environment(String apiKey) {
        return Map.of("AWS_ENDPOINT_URL", TestAws.dynamoEndpoint().toString(),
                "ANTHROPIC_BASE_URL", anthropic.baseUrl(),
                "ANTHROPIC_API_KEY", apiKey);
    }

    HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @DisplayName("POST answers 202, the in-process queue runs the SQS handler, GET answers the ready item")
    void postThenGet() throws Exception {
        anthropic.repliesForEachType();
        // a fresh id: against a shared emulator the tables outlive the test
        long id = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        try (LocalRunner runner = LocalRunner.start(environment(SecretWatch.API_KEY), new PrintStream(new ByteArrayOutputStream(), true)).serve(0)) {
            HttpResponse<String> posted = send(HttpRequest.newBuilder(runner.baseUrl().resolve("/content"))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"contentType\":\"quest_description\",\"contentId\":" + id + "}")).build());
            assertEquals(202, posted.statusCode());
            assertEquals("/content/quest_description/" + id, posted.headers().firstValue("location").orElseThrow());

            runner.awaitQueueIdle();
            HttpResponse<String> got = send(HttpRequest.newBuilder(runner.baseUrl().resolve("/content/quest_description/" + id)).build());

            assertEquals(200, got.statusCode());
            JsonNode item = TestJson.parse(got.body());
            assertEquals("ready", item.path("status").asText());
            assertEquals("{\"title\":\"The Drowned Bell\",\"description\":\"Dive for the bell.\"}", item.path("text").asText());
            assertEquals(SecretWatch.API_KEY, anthropic.requests().get(0).getHeader("x-api-key"));
        }
    }

    @Test
    @DisplayName("bad input over HTTP answers 400 naming the field; invalid UTF-8 arrives base64-encoded and is rejected")
    void badInput() throws Exception {
        try (LocalRunner runner = LocalRunner.start(environment(""), new PrintStream(new ByteArrayOutputStream(), true)).serve(0)) {
            HttpResponse<String> wrong = send(HttpRequest.newBuilder(runner.baseUrl().resolve("/content"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"contentType\":\"quest_description\",\"contentId\":1.5}")).build());
            assertEquals(400, wrong.statusCode());
            assertEquals("contentId", TestJson.parse(wrong.body()).path("field").asText());

            HttpResponse<String> binary = send(HttpRequest.newBuilder(runner.baseUrl().resolve("/content"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {'{', (byte) 0xFF, '}'})).build());
            assertEquals(400, binary.statusCode());
            assertEquals("body", TestJson.parse(binary.body()).path("field").asText());
        }
    }

    @Test
    @DisplayName("demo mode without a key requests one item of each type and prints their no_config fallbacks")
    void demoWithoutKey() throws Exception {
        try (LocalRunner runner = LocalRunner.start(environment(""), new PrintStream(new ByteArrayOutputStream(), true)).serve(0)) {
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            runner.printBanner(new PrintStream(printed, true, StandardCharsets.UTF_8));

            List<JsonNode> items = runner.demo(new PrintStream(printed, true, StandardCharsets.UTF_8));

            assertEquals(2, items.size());
            items.forEach(item -> assertEquals("fallback:no_config", item.path("model").asText()));
            String output = printed.toString(StandardCharsets.UTF_8);
            assertTrue(output.contains("ANTHROPIC_API_KEY is not set"), output);
            assertTrue(output.contains("status=failed  model=fallback:no_config"), output);
        }
    }

    @Test
    @DisplayName("invoke runs one function on one sample event, like sam local invoke, after seeding what the event expects")
    void invoke() throws Exception {
        try (LocalRunner runner = LocalRunner.start(environment(""), new PrintStream(new ByteArrayOutputStream(), true))) {
            ByteArrayOutputStream notes = new ByteArrayOutputStream();
            PrintStream notesOut = new PrintStream(notes, true, StandardCharsets.UTF_8);
            String reset = runner.invoke("ResetFunction", Template.repositoryRoot().resolve("events/reset.json"), notesOut);
            assertEquals("half_opened", TestJson.parse(reset).path("result").asText(), notes.toString(StandardCharsets.UTF_8));
            assertTrue(notes.toString(StandardCharsets.UTF_8).contains("seeded: anthropic's circuit open at generation 1"), notes.toString(StandardCharsets.UTF_8));

            String batch = runner.invoke("GenerateFunction", Template.repositoryRoot().resolve("events/sqs-batch.json"), notesOut);
            assertEquals(2, TestJson.parse(batch).path("batchItemFailures").size());
        }
    }
}
