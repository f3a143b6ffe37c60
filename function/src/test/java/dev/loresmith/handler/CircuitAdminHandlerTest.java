package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitState;
import dev.loresmith.circuit.ForcedState;
import dev.loresmith.generate.FallbackReason;
import dev.loresmith.generate.Outcome;
import dev.loresmith.llm.Provider;
import dev.loresmith.storage.ProviderConfig;
import dev.loresmith.testing.Circuits;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FakeContext;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GET and PUT /circuit on events/circuit-*.json: an operator sees the breaker and forces it. */
class CircuitAdminHandlerTest extends FlowTest {

    static final String ADMIN = "arn:aws:iam::123456789012:user/ops-alice";

    APIGatewayV2HTTPResponse call(APIGatewayV2HTTPEvent event) {
        return new CircuitAdminHandler(Wiring.circuitAdmin(h.outside())).handleRequest(event, FakeContext.withSeconds(15));
    }

    static APIGatewayV2HTTPEvent put(String body) {
        APIGatewayV2HTTPEvent event = SampleEvents.http("circuit-put.json");
        event.setBody(body);
        return event;
    }

    static JsonNode body(APIGatewayV2HTTPResponse response) {
        return TestJson.parse(response.getBody());
    }

    @Test
    @DisplayName("GET shows the state, failures in the window, generation, the reset due, the throttle and the budget")
    void status() {
        anthropic.failsWith(500);
        h.generate("quest_description", 1);
        h.generate("quest_description", 2);
        h.circuits.throttleUntil(dev.loresmith.llm.Provider.ANTHROPIC, h.now().plusSeconds(20), "rate_limited", ProviderConfig.implausibleThrottleAfter(h.now()));

        JsonNode view = body(call(SampleEvents.http("circuit-get.json")));

        assertEquals("closed", view.path("state").asText());
        assertEquals("auto", view.path("forced").asText());
        assertEquals(2, view.path("failuresInWindow").asInt());
        assertEquals(0, view.path("generation").asInt());
        assertEquals(h.now().plusSeconds(20).toString(), view.path("throttledUntil").asText());
        assertEquals("rate_limited", view.path("throttleReason").asText());
        assertTrue(view.path("budget").path("tokensPerDay").isNull());

        h.clock.advance(Duration.ofSeconds(21)); // past the throttle, still within the failure window
        h.generate("quest_description", 3);
        JsonNode open = body(call(SampleEvents.http("circuit-get.json")));
        assertEquals("open", open.path("state").asText());
        assertEquals(1, open.path("generation").asInt());
        assertEquals(h.now().plus(Duration.ofMinutes(5)).toString(), open.path("resetDueAt").asText());
    }

    @Test
    @DisplayName("PUT open: every request falls back circuit_open without a call, through resets and probes, until auto")
    void forceOpen() {
        APIGatewayV2HTTPResponse response = call(put("{\"state\":\"open\"}"));
        anthropic.replies(FakeAnthropic.QUEST_JSON);

        assertEquals(200, response.getStatusCode());
        assertEquals("forced_open", body(response).path("state").asText());
        assertEquals(FallbackReason.CIRCUIT_OPEN, ((Outcome.Fallback) h.generate("quest_description", 1)).reason());

        // the stored circuit opens and is reset underneath; the override stays
        h.circuitIs(new CircuitRecord(CircuitState.OPEN, List.of(), h.now().minus(Duration.ofMinutes(6)), 4, null, ForcedState.OPEN, h.circuitRecord().version()));
        h.reset().reset(dev.loresmith.llm.Provider.ANTHROPIC, 4);
        h.clock.advance(Duration.ofMinutes(10)); // long past any probe's due time
        assertEquals(FallbackReason.CIRCUIT_OPEN, ((Outcome.Fallback) h.generate("quest_description", 2)).reason());
        assertEquals(0, anthropic.requestCount());
        assertEquals(ForcedState.OPEN, h.circuitRecord().forced());

        call(put("{\"state\":\"auto\"}"));
        Outcome released = h.generate("quest_description", 3);
        assertTrue(released instanceof Outcome.Ready r && r.probe(), "released to the stored half-open state: one probe");
        assertEquals(CircuitState.CLOSED, h.circuitRecord().state());
    }

    @Test
    @DisplayName("PUT closed: calls go through whatever the count says; the close clears it; failures are counted but never open")
    void forceClosed() {
        h.circuitIs(Circuits.open(h.now(), 3, h.circuitRecord().version()));
        call(put("{\"state\":\"closed\"}"));
        assertEquals(0, h.circuitRecord().failureCount());
        assertEquals(CircuitState.CLOSED, h.circuitRecord().state());

        anthropic.failsWith(500);
        for (int id = 1; id <= 5; id++) {
            Outcome outcome = h.generate("quest_description", id);
            assertEquals("api_error_500", ((Outcome.Fallback) outcome).reason().code());
            assertTrue(!((Outcome.Fallback) outcome).circuitOpened());
        }
        assertEquals(5, anthropic.requestCount());
        assertEquals(5, body(call(SampleEvents.http("circuit-get.json"))).path("failuresInWindow").asInt());
        assertEquals("forced_closed", body(call(SampleEvents.http("circuit-get.json"))).path("state").asText());
        assertEquals(3, h.circuitRecord().generation(), "no new opening while forced closed");
    }

    @Test
    @DisplayName("each change is one conditional write, logged with the caller's IAM identity; a repeat changes nothing")
    void oneWriteLogged() {
        h.dynamoRequests.clear();

        call(put("{\"state\":\"open\"}"));

        List<UpdateItemRequest> writes = h.dynamoRequests.of(UpdateItemRequest.class);
        assertEquals(1, writes.size());
        assertTrue(writes.get(0).conditionExpression().contains("#version"));
        JsonNode logged = h.logs.withMessage("circuit forced").get(0);
        assertEquals(ADMIN, logged.path("caller").asText());
        assertEquals("open", logged.path("state").asText());

        h.dynamoRequests.clear();
        call(put("{\"state\":\"open\"}"));
        assertEquals(0, h.dynamoRequests.of(UpdateItemRequest.class).size(), "already forced open: no write");
        assertTrue(h.dynamoRequests.of(GetItemRequest.class).size() >= 1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "not JSON|{open|body",
            "no state|{}|state",
            "state not a string|{\"state\":1}|state",
            "unknown state|{\"state\":\"opne\"}|state",
            "half_open cannot be forced|{\"state\":\"half_open\"}|state",
            "an extra field|{\"state\":\"open\",\"reason\":\"x\"}|reason"})
    @DisplayName("bad PUT bodies answer 400 naming the field and change nothing")
    void badBodies(String what, String body, String field) {
        long version = h.circuitRecord().version();

        APIGatewayV2HTTPResponse response = call(put(body));

        assertEquals(400, response.getStatusCode(), what);
        assertEquals(field, body(response).path("field").asText());
        assertEquals(version, h.circuitRecord().version());
    }

    @ParameterizedTest(name = "{0} {1} → {2}")
    @CsvSource({"DELETE, /circuit, 405", "POST, /circuit, 405", "GET, /circuit/x, 404"})
    @DisplayName("other methods 405, other paths 404")
    void routes(String method, String path, int status) {
        APIGatewayV2HTTPEvent event = SampleEvents.http("circuit-get.json");
        event.getRequestContext().getHttp().setMethod(method);
        event.setRawPath(path);

        assertEquals(status, call(event).getStatusCode());
    }

    @Test
    @DisplayName("a request without an IAM identity (not possible behind IAM auth) is logged as unknown, never fails")
    void noIdentity() {
        APIGatewayV2HTTPEvent event = put("{\"state\":\"closed\"}");
        event.getRequestContext().setAuthorizer(null);

        assertInstanceOf(APIGatewayV2HTTPResponse.class, call(event));
        assertEquals("unknown", h.logs.withMessage("circuit forced").get(0).path("caller").asText());
    }

    @Test
    @DisplayName("with two providers, GET shows every configured provider in preference order; the top level is the first's")
    void everyProvider() {
        h.providers("bedrock,anthropic");
        h.circuitAdmin().force(Provider.ANTHROPIC, ForcedState.OPEN, ADMIN);

        JsonNode view = body(call(SampleEvents.http("circuit-get.json")));

        assertEquals("bedrock", view.path("provider").asText(), "the first in preference order, as the answer read before");
        assertEquals(List.of("bedrock", "anthropic"), TestJson.list(view.path("providers"), "provider"));
        assertEquals("forced_open", view.path("providers").get(1).path("state").asText());
        assertEquals("closed", view.path("providers").get(0).path("state").asText());
        assertTrue(view.path("budget").isObject(), "the budget every provider shares");
    }

    @Test
    @DisplayName("PUT with a provider forces that provider's circuit; without one, the first in preference order")
    void forcesTheNamedProvider() {
        h.providers("anthropic,bedrock");

        assertEquals(200, call(put("{\"state\":\"open\",\"provider\":\"bedrock\"}")).getStatusCode());
        assertEquals(ForcedState.OPEN, h.circuits.circuit(Provider.BEDROCK).forced());
        assertEquals(ForcedState.NONE, h.circuits.circuit(Provider.ANTHROPIC).forced());
        assertEquals("bedrock", h.logs.withMessage("circuit forced").get(0).path("provider").asText());

        assertEquals(200, call(put("{\"state\":\"open\"}")).getStatusCode());
        assertEquals(ForcedState.OPEN, h.circuits.circuit(Provider.ANTHROPIC).forced());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"{\"state\":\"open\",\"provider\":\"openai\"}", "{\"state\":\"open\",\"provider\":7}"})
    @DisplayName("an unknown provider is a 400 naming the field, and changes nothing")
    void unknownProvider(String body) {
        APIGatewayV2HTTPResponse response = call(put(body));

        assertEquals(400, response.getStatusCode());
        assertEquals("provider", body(response).path("field").asText());
        assertEquals(ForcedState.NONE, h.circuits.circuit(Provider.ANTHROPIC).forced());
        assertEquals(ForcedState.NONE, h.circuits.circuit(Provider.BEDROCK).forced());
    }
}
