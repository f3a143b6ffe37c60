package dev.loresmith.handler;

import dev.loresmith.testing.Circuits;
import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitState;
import dev.loresmith.testing.FakeContext;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reset handler on events/reset.json ({"generation": 1}), as EventBridge Scheduler invokes it. */
class ResetHandlerTest extends FlowTest {

    String invoke(byte[] input) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new ResetHandler(h.services()).handleRequest(new ByteArrayInputStream(input), out, FakeContext.withSeconds(15));
        return out.toString(StandardCharsets.UTF_8);
    }

    void openAtGeneration(long generation) {
        h.circuitIs(Circuits.open(h.now().minus(Duration.ofMinutes(5)), generation, 3));
    }

    @Test
    @DisplayName("moves the circuit of the matching generation to half-open; a repeat is stale and changes nothing")
    void sampleReset() throws IOException {
        openAtGeneration(1);

        assertEquals(TestJson.parse("{\"generation\":1,\"result\":\"half_opened\"}"), TestJson.parse(invoke(SampleEvents.bytes("reset.json"))));
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
    @ValueSource(strings = {"", "not json", "{}", "{\"generation\":\"1\"}", "{\"generation\":-1}", "{\"generation\":1.5}", "[1]"})
    @DisplayName("input that is not {\"generation\": n} is rejected with a clear error and changes nothing")
    void badInput(String input) {
        openAtGeneration(1);
        CircuitRecord before = h.circuitRecord();

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> invoke(input.getBytes(StandardCharsets.UTF_8)));

        assertTrue(e.getMessage().contains("generation"), e.getMessage());
        assertEquals(before, h.circuitRecord());
    }
}
