package dev.loresmith.circuit;

import dev.loresmith.testing.Circuits;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every path that moves the circuit, as the circuit events name it: the records before and after one write, the
 * transition they make (the same pure decisions the flow, the reset and an operator persist).
 */
class CircuitTransitionTest {

    static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    static final Circuit CIRCUIT = new Circuit(CircuitSettings.DEFAULTS);

    static Stream<Arguments> writes() {
        CircuitRecord twoFailures = Circuits.closed(List.of(T0.minusSeconds(20), T0.minusSeconds(10)), 0, 2);
        CircuitRecord open = Circuits.open(T0, 1, 3);
        CircuitRecord halfOpen = CIRCUIT.afterReset(open, 1);
        Instant overdue = T0.plus(Duration.ofMinutes(7)); // reset due at 5 min, grace 1 min: callers probe on their own
        CircuitRecord overdueProbe = ((Admission.Probe) CIRCUIT.admit(open, overdue)).claimed();
        CircuitRecord resetProbe = ((Admission.Probe) CIRCUIT.admit(halfOpen, T0.plus(Duration.ofMinutes(5)))).claimed();
        CircuitRecord noOpenedAt = new CircuitRecord(CircuitState.OPEN, List.of(), null, 1, null, ForcedState.NONE, 3);
        return Stream.of(
                Arguments.of("the third counted failure", twoFailures, CIRCUIT.afterCall(twoFailures, T0, CallResult.COUNTED_FAILURE, false),
                        "CircuitOpened", "failures"),
                Arguments.of("the scheduled reset", open, halfOpen, "CircuitHalfOpen", "reset"),
                Arguments.of("a probe claimed once the reset is overdue", open, overdueProbe, "CircuitHalfOpen", "overdue"),
                Arguments.of("a probe claimed on a hand-edited open circuit without openedAt", noOpenedAt,
                        ((Admission.Probe) CIRCUIT.admit(noOpenedAt, T0)).claimed(), "CircuitHalfOpen", "overdue"),
                Arguments.of("a probe claimed after the reset: no change callers see", halfOpen, resetProbe, null, null),
                Arguments.of("the overdue probe succeeds", overdueProbe,
                        CIRCUIT.afterCall(overdueProbe, overdue, CallResult.SUCCESS, true), "CircuitClosed", "probe_succeeded"),
                Arguments.of("the overdue probe fails", overdueProbe,
                        CIRCUIT.afterCall(overdueProbe, overdue, CallResult.COUNTED_FAILURE, true), "CircuitOpened", "probe_failed"),
                Arguments.of("an operator forces it open", halfOpen, CIRCUIT.force(halfOpen, ForcedState.OPEN), "CircuitOpened", "forced"),
                Arguments.of("an operator releases a forced open after the reset", CIRCUIT.force(open, ForcedState.OPEN),
                        CIRCUIT.force(CIRCUIT.afterReset(CIRCUIT.force(open, ForcedState.OPEN), 1), ForcedState.NONE),
                        "CircuitHalfOpen", "released"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("writes")
    void named(String what, CircuitRecord before, CircuitRecord after, String event, String reason) {
        Optional<CircuitTransition> transition = CircuitTransition.between(before, after);
        assertEquals(Optional.ofNullable(event), transition.map(t -> t.kind().eventName()), what);
        assertEquals(Optional.ofNullable(reason), transition.map(t -> t.reason().wireName()), what);
    }
}
