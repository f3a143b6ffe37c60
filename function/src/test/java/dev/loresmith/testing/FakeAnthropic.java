package dev.loresmith.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.loresmith.Json;

import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/** A WireMock stand-in for the Messages API on a loopback port: tests script its answers and read what it received. */
public final class FakeAnthropic implements AutoCloseable {

    public static final String PATH = "/v1/messages";
    /** A valid document of each shipped (and the test-only) content type. */
    public static final String QUEST_JSON = "{\"title\":\"The Drowned Bell\",\"description\":\"Dive for the bell.\"}";
    public static final String EVENT_JSON = "{\"headline\":\"Holloway Dam Breaks\",\"consequence\":\"The lower fields flood.\"}";
    public static final String RUMOR_JSON = "{\"speaker\":\"A fisher\",\"rumor\":\"The bell rang again last night.\"}";

    private final WireMockServer server;

    public FakeAnthropic() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().containerThreads(40)
                .jettyAcceptors(1).asynchronousResponseEnabled(false));
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    public void reset() {
        server.resetAll();
    }

    /** Every request answered with a model reply whose text is {@code text}. */
    public void replies(String text) {
        replies(text, "end_turn");
    }

    public void replies(String text, String stopReason) {
        answer(aResponse().withStatus(200).withHeader("content-type", "application/json").withBody(message(text, stopReason)));
    }

    /** Like {@link #replies(String)}, after {@code delayMillis}. */
    public void repliesAfter(String text, int delayMillis) {
        answer(aResponse().withStatus(200).withHeader("content-type", "application/json")
                .withBody(message(text, "end_turn")).withFixedDelay(delayMillis));
    }

    /** Every request answered with a valid document of the type it asks for (told apart by the fields it names). */
    public void repliesForEachType() {
        repliesForEachTypeAfter(0);
    }

    public void repliesForEachTypeAfter(int delayMillis) {
        server.resetAll();
        server.stubFor(post(urlEqualTo(PATH)).atPriority(10).willReturn(ok(QUEST_JSON, delayMillis)));
        server.stubFor(post(urlEqualTo(PATH)).atPriority(1).withRequestBody(WireMock.containing("headline"))
                .willReturn(ok(EVENT_JSON, delayMillis)));
        server.stubFor(post(urlEqualTo(PATH)).atPriority(1).withRequestBody(WireMock.containing("speaker"))
                .willReturn(ok(RUMOR_JSON, delayMillis)));
    }

    /** The first request answered with {@code status}; every later one as {@link #repliesForEachType()}. */
    public void failsOnceThenRepliesForEachType(int status) {
        repliesForEachType();
        server.stubFor(post(urlEqualTo(PATH)).atPriority(0).inScenario("outage")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(status).withHeader("content-type", "application/json")
                        .withBody("{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"scripted " + status + "\"}}"))
                .willSetStateTo("recovered"));
    }

    /** The first request answered with {@code status}, {@code headers} and {@code body}; every later one as {@link #repliesForEachType()}. */
    public void answersOnceThenRepliesForEachType(int status, Map<String, String> headers, String body) {
        repliesForEachType();
        ResponseDefinitionBuilder first = aResponse().withStatus(status).withHeader("content-type", "application/json").withBody(body);
        headers.forEach(first::withHeader);
        server.stubFor(post(urlEqualTo(PATH)).atPriority(0).inScenario("once")
                .whenScenarioStateIs(Scenario.STARTED).willReturn(first).willSetStateTo("answered"));
    }

    private static ResponseDefinitionBuilder ok(String text, int delayMillis) {
        return aResponse().withStatus(200).withHeader("content-type", "application/json").withBody(message(text, "end_turn"))
                .withFixedDelay(delayMillis);
    }

    public void failsWith(int status) {
        answer(aResponse().withStatus(status).withHeader("content-type", "application/json")
                .withBody("{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"scripted " + status + "\"}}"));
    }

    public void failsAfter(int status, int delayMillis) {
        answer(aResponse().withStatus(status).withBody("{}").withFixedDelay(delayMillis));
    }

    /** 200 with {@code text} for requests whose body contains {@code marker}; {@code otherStatus} for the rest. */
    public void succeedsWhenBodyContains(String marker, String text, int otherStatus) {
        server.resetAll();
        server.stubFor(post(urlEqualTo(PATH)).atPriority(10).willReturn(aResponse().withStatus(otherStatus).withBody("{}")));
        server.stubFor(post(urlEqualTo(PATH)).atPriority(1).withRequestBody(WireMock.containing(marker))
                .willReturn(aResponse().withStatus(200).withHeader("content-type", "application/json").withBody(message(text, "end_turn"))));
    }

    /** Every request answered with {@code status}, these headers and this body. */
    public void answers(int status, Map<String, String> headers, String body) {
        ResponseDefinitionBuilder response = aResponse().withStatus(status).withHeader("content-type", "application/json").withBody(body);
        headers.forEach(response::withHeader);
        answer(response);
    }

    /** Adds: requests whose body contains {@code marker} are answered {@code status} with {@code body} (over other stubs). */
    public void failsWhenBodyContains(String marker, int status, String body) {
        server.stubFor(post(urlEqualTo(PATH)).atPriority(0).withRequestBody(WireMock.containing(marker))
                .willReturn(aResponse().withStatus(status).withHeader("content-type", "application/json").withBody(body)));
    }

    public void resetsConnection() {
        answer(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
    }

    public void answersRaw(int status, String body) {
        answer(aResponse().withStatus(status).withHeader("content-type", "application/json").withBody(body));
    }

    private void answer(ResponseDefinitionBuilder response) {
        server.resetAll();
        server.stubFor(post(urlEqualTo(PATH)).willReturn(response));
    }

    public List<LoggedRequest> requests() {
        return server.findAll(postRequestedFor(urlEqualTo(PATH)));
    }

    public int requestCount() {
        return requests().size();
    }

    public List<JsonNode> requestBodies() {
        return requests().stream().map(r -> TestJson.parse(r.getBodyAsString())).toList();
    }

    /** A Messages API response carrying {@code text} as its only content block. */
    public static String message(String text, String stopReason) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("id", "msg_test");
        root.put("type", "message");
        root.put("role", "assistant");
        root.put("model", "claude-sonnet-4-5-20250929");
        ObjectNode block = root.putArray("content").addObject();
        block.put("type", "text");
        block.put("text", text);
        root.put("stop_reason", stopReason);
        ObjectNode usage = root.putObject("usage");
        usage.put("input_tokens", 1234);
        usage.put("output_tokens", 56);
        usage.put("cache_creation_input_tokens", 0);
        usage.put("cache_read_input_tokens", 1100);
        return Json.write(root);
    }

    @Override
    public void close() {
        server.stop();
    }
}
