package dev.loresmith.generate;

import dev.loresmith.circuit.Admission;
import dev.loresmith.circuit.Circuit;
import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitSettings;
import dev.loresmith.circuit.CircuitState;
import dev.loresmith.circuit.ForcedState;
import dev.loresmith.llm.Transport;
import dev.loresmith.storage.ProviderConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The gates before a call, in their order, decided without I/O. */
class GatesTest {

    static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    static final Circuit CIRCUIT = new Circuit(CircuitSettings.DEFAULTS);
    static final Transport.Readiness READY = Transport.Readiness.READY;

    /** A provider's item and the day's budget as one read finds them. */
    record Seen(ProviderConfig config, OptionalLong budget, long used) {
        @Override
        public String toString() {
            return "";
        }
    }

    static Seen config(CircuitRecord circuit, Instant throttledUntil, Long budget, long used) {
        return config(circuit, throttledUntil, "rate_limited", budget, used);
    }

    static Seen config(CircuitRecord circuit, Instant throttledUntil, String reason, Long budget, long used) {
        return new Seen(new ProviderConfig(circuit, null, null, throttledUntil, throttledUntil == null ? null : reason, List.of()),
                budget == null ? OptionalLong.empty() : OptionalLong.of(budget), used);
    }

    static final CircuitRecord CLOSED = CircuitRecord.initial();
    static final CircuitRecord OPEN = new CircuitRecord(CircuitState.OPEN, List.of(), NOW.minusSeconds(60), 1, null, ForcedState.NONE, 3);
    static final CircuitRecord OVERDUE = new CircuitRecord(CircuitState.OPEN, List.of(), NOW.minusSeconds(400), 1, null, ForcedState.NONE, 3);
    static final CircuitRecord HALF_OPEN = new CircuitRecord(CircuitState.HALF_OPEN, List.of(), NOW.minusSeconds(300), 1, null, ForcedState.NONE, 4);
    static final CircuitRecord PROBING = new CircuitRecord(CircuitState.HALF_OPEN, List.of(), NOW.minusSeconds(300), 1, NOW.plusSeconds(30),
            ForcedState.NONE, 5);
    static final CircuitRecord FORCED_OPEN = new CircuitRecord(CircuitState.CLOSED, List.of(), null, 0, null, ForcedState.OPEN, 1);
    static final CircuitRecord FORCED_CLOSED_BUT_OPEN = new CircuitRecord(CircuitState.OPEN, List.of(), NOW.minusSeconds(60), 1, null,
            ForcedState.CLOSED, 4);

    static Stream<Arguments> gates() {
        Instant throttled = NOW.plusSeconds(20);
        return Stream.of(
                Arguments.of("closed, nothing in the way", READY, config(CLOSED, null, null, 0), "call"),
                Arguments.of("no key", new Transport.Readiness.Absent("no key is set"), config(OPEN, throttled, 10L, 10), "no_config"),
                Arguments.of("the key unreadable just now", new Transport.Readiness.Unavailable("x"), config(OPEN, null, null, 0), "config_unavailable"),
                Arguments.of("open", READY, config(OPEN, throttled, 10L, 10), "circuit_open"),
                Arguments.of("forced open", READY, config(FORCED_OPEN, null, null, 0), "circuit_open"),
                Arguments.of("forced closed over an open circuit", READY, config(FORCED_CLOSED_BUT_OPEN, null, null, 0), "call"),
                Arguments.of("open, its reset overdue: probe", READY, config(OVERDUE, null, null, 0), "probe"),
                Arguments.of("half-open: probe", READY, config(HALF_OPEN, null, null, 0), "probe"),
                Arguments.of("half-open, a probe running", READY, config(PROBING, null, null, 0), "circuit_open"),
                Arguments.of("throttled", READY, config(CLOSED, throttled, 10L, 10), "rate_limited"),
                Arguments.of("a throttle that has passed", READY, config(CLOSED, NOW.minusMillis(1), null, 0), "call"),
                Arguments.of("budget spent", READY, config(CLOSED, null, 10L, 10), "budget_exhausted"),
                Arguments.of("budget nearly spent", READY, config(CLOSED, null, 10L, 9), "call"),
                Arguments.of("budget spent, half-open: no probe", READY, config(HALF_OPEN, null, 10L, 10), "budget_exhausted"),
                Arguments.of("a spend-limit hold in force", READY, config(CLOSED, throttled, "spend_limit", null, 0), "rate_limited"),
                Arguments.of("a spend-limit hold that has passed: one call checks", READY, config(CLOSED, NOW.minusMillis(1), "spend_limit", null, 0),
                        "check"),
                Arguments.of("a spend-limit hold passed, half-open: the probe checks it too", READY,
                        config(HALF_OPEN, NOW.minusMillis(1), "spend_limit", null, 0), "probe, check"),
                Arguments.of("a spend-limit hold passed, budget spent", READY, config(CLOSED, NOW.minusMillis(1), "spend_limit", 10L, 10),
                        "budget_exhausted"));
    }

    @ParameterizedTest(name = "{0} -> {3}")
    @MethodSource("gates")
    void inOrder(String what, Transport.Readiness readiness, Seen seen, String expected) {
        Gates.Gate gate = Gates.admit(readiness, seen.config(), seen.budget(), seen.used(), CIRCUIT, NOW);
        String got = gate instanceof Gates.Refuse refuse ? refuse.reason().code()
                : ((Gates.Pass) gate).admission() instanceof Admission.Probe ? (((Gates.Pass) gate).spendLimitCheck() ? "probe, check" : "probe")
                : ((Gates.Pass) gate).spendLimitCheck() ? "check" : "call";
        assertEquals(expected, got, what);
    }
}
