package dev.loresmith.handler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitState;
import dev.loresmith.circuit.ForcedState;
import dev.loresmith.llm.Provider;
import dev.loresmith.testing.Circuits;
import dev.loresmith.testing.FakeContext;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reset handler on events/reset.json ({"generation": 1}), as EventBridge Scheduler invokes it. */
class ResetHandlerTest extends FlowTest {

    String invoke(byte[] input) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new ResetHandler(Wiring.reset(h.outside())).handleRequest(new ByteArrayInputStream(input), out, FakeContext.withSeconds(15));
        return out.toString(StandardCharsets.UTF_8);
    }

    void openAtGeneration(long generation) {
        h.circuitIs(Circuits.open(h.now().minus(Duration.ofMinutes(5)), generation, 3));
    }

    @Test
    @DisplayName("moves the circuit of the matching generation to half-open; a repeat is stale and changes nothing")
    void sampleReset() throws IOException {
        openAtGeneration(1);

        assertEquals(TestJson.parse("{\"provider\":\"anthropic\",\"generation\":1,\"result\":\"half_opened\"}"), TestJson.parse(invoke(SampleEvents.bytes("reset.json"))));
        assertEquals(CircuitState.HALF_OPEN, h.circuitRecord().state());
        CircuitRecord after = h.circuitRecord();

        assertEquals("stale", TestJson.parse(invoke(SampleEvents.bytes("reset.json"))).path("result").asText());
        assertEquals(after, h.circuitRecord());
    }

    @Test
    @DisplayName("a schedule left over from an older opening does nothing")
    void staleSchedule() throws IOException {
        openAtGeneration(2);

        assertEquals("stale", TestJson.parse(invoke(SampleEvents.bytes("reset.json"))).path("result").asText());
        assertEquals(CircuitState.OPEN, h.circuitRecord().state());
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"", "not json", "{}", "{\"generation\":\"1\"}", "{\"generation\":-1}", "{\"generation\":1.5}", "[1]", "{\"generation\":1,\"provider\":\"openai\"}", "{\"generation\":1,\"provider\":3}"})
    @DisplayName("input that is not {\"provider\"?: p, \"generation\": n} is rejected with a clear error naming the field and changes nothing")
    void badInput(String input) {
        openAtGeneration(1);
        CircuitRecord before = h.circuitRecord();

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> invoke(input.getBytes(StandardCharsets.UTF_8)));

        assertTrue(e.getMessage().contains(input.contains("provider") ? "provider" : "generation"), "names the field: " + e.getMessage());
        assertEquals(before, h.circuitRecord());
    }

    @Test
    @DisplayName("a reset DynamoDB fails fails the invocation (so Lambda retries it) with a summary, never AWS's own message")
    void storageFailure() {
        openAtGeneration(1);
        h.dynamoFaults.failNext(GetItemRequest.class, 1,
                () -> DynamoDbException.builder().message("FOREIGN_TEXT arn:aws:dynamodb:...").statusCode(500).build());

        RuntimeException thrown = assertThrows(RuntimeException.class, () -> invoke(SampleEvents.bytes("reset.json")));

        assertEquals("circuit reset failed: DynamoDbException (500)", thrown.getMessage());
        assertEquals(null, thrown.getCause());
        assertEquals(1, h.logs.withMessage("circuit reset failed").size());
        assertTrue(!h.logs.parsed().toString().contains("FOREIGN_TEXT"));
        assertEquals(CircuitState.OPEN, h.circuitRecord().state());
    }

    @Test
    @DisplayName("a sweep DynamoDB fails fails the invocation with a summary, never AWS's own message; bad input is named")
    void sweepFailure() {
        h.dynamoFaults.failNext(QueryRequest.class, 1,
                () -> DynamoDbException.builder().message("FOREIGN_TEXT").statusCode(500).build());
        SweepHandler sweep = new SweepHandler(Wiring.sweep(h.outside()));

        RuntimeException thrown = assertThrows(RuntimeException.class, () -> sweep.handleRequest(
                new ByteArrayInputStream("{}".getBytes(StandardCharsets.UTF_8)), new ByteArrayOutputStream(), FakeContext.withSeconds(60)));
        assertEquals("sweep failed: DynamoDbException (500)", thrown.getMessage());
        assertTrue(!h.logs.parsed().toString().contains("FOREIGN_TEXT"));

        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> sweep.handleRequest(
                new ByteArrayInputStream("{\"action\":\"replay-dead-letters\",\"limit\":\"all\"}".getBytes(StandardCharsets.UTF_8)),
                new ByteArrayOutputStream(), FakeContext.withSeconds(60)));
        assertTrue(bad.getMessage().startsWith("limit must be"));
        IllegalArgumentException notJson = assertThrows(IllegalArgumentException.class, () -> sweep.handleRequest(
                new ByteArrayInputStream("{oops SECRETISH".getBytes(StandardCharsets.UTF_8)), new ByteArrayOutputStream(), FakeContext.withSeconds(60)));
        assertTrue(!notJson.getMessage().contains("SECRETISH"));
    }

    @Test
    @DisplayName("a schedule naming a provider resets that provider's circuit only; one without a provider (made before providers) resets Anthropic's")
    void providerOfTheSchedule() throws IOException {
        for (Provider provider : Provider.values()) {
            h.circuits.replace(provider, CircuitRecord.initial(),
                    new CircuitRecord(CircuitState.OPEN, List.of(), h.now().minusSeconds(300), 1, null, ForcedState.NONE, 1));
        }

        JsonNode answer = TestJson.parse(invoke("{\"provider\":\"bedrock\",\"generation\":1}".getBytes(StandardCharsets.UTF_8)));
        assertEquals("half_opened", answer.path("result").asText());
        assertEquals("bedrock", answer.path("provider").asText());
        assertEquals(CircuitState.HALF_OPEN, h.circuits.circuit(Provider.BEDROCK).state());
        assertEquals(CircuitState.OPEN, h.circuits.circuit(Provider.ANTHROPIC).state());

        invoke("{\"generation\":1}".getBytes(StandardCharsets.UTF_8));
        assertEquals(CircuitState.HALF_OPEN, h.circuits.circuit(Provider.ANTHROPIC).state());
    }
}
