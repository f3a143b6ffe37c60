package dev.loresmith.circuit;

import dev.loresmith.testing.Circuits;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The circuit's pure state machine: (record, time, outcome) → record, with no storage involved. */
class CircuitTest {

    static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    final Circuit circuit = new Circuit(CircuitSettings.DEFAULTS);

    CircuitRecord fail(CircuitRecord r, Instant at) {
        return circuit.afterCall(r, at, CallResult.COUNTED_FAILURE, false);
    }

    @Nested
    @DisplayName("closed")
    class Closed {

        @Test
        @DisplayName("admits every call")
        void admits() {
            assertInstanceOf(Admission.Call.class, circuit.admit(CircuitRecord.initial(), T0));
        }

        @Test
        @DisplayName("a counted failure starts a 60 s window at its own time")
        void firstFailure() {
            CircuitRecord r = fail(CircuitRecord.initial(), T0);
            assertEquals(CircuitState.CLOSED, r.state());
            assertEquals(1, r.failureCount());
            assertEquals(T0, r.windowStart());
            assertEquals(1, r.version());
        }

        @Test
        @DisplayName("failures stamped by an instance whose clock runs a little ahead still count; one far ahead (a hand edit) does not")
        void clockSkew() {
            CircuitRecord aheadBySeconds = fail(fail(CircuitRecord.initial(), T0.plusSeconds(3)), T0.plusSeconds(4));
            assertEquals(CircuitState.OPEN, fail(aheadBySeconds, T0).state(), "two failures 3-4 s 'ahead' and this one: three");

            CircuitRecord farAhead = fail(CircuitRecord.initial(), T0.plus(Duration.ofHours(1)));
            assertEquals(1, fail(farAhead, T0).failureCount(), "an hour ahead is dropped, or it would count for ever");
        }

        @Test
        @DisplayName("the 3rd counted failure within 60 s opens it: generation + 1, openedAt = now, count cleared")
        void thirdOpens() {
            CircuitRecord r = fail(fail(CircuitRecord.initial(), T0), T0.plusSeconds(10));
            CircuitRecord opened = fail(r, T0.plusSeconds(60));
            assertEquals(CircuitState.OPEN, opened.state());
            assertEquals(1, opened.generation());
            assertEquals(T0.plusSeconds(60), opened.openedAt());
            assertEquals(0, opened.failureCount());
            assertTrue(Circuit.opens(r, opened));
            assertEquals(T0.plusSeconds(60).plus(Duration.ofMinutes(5)), circuit.resetDueAt(opened));
        }

        @Test
        @DisplayName("the window slides: failures older than 60 s drop out, the rest still count")
        void windowSlides() {
            CircuitRecord r = fail(fail(CircuitRecord.initial(), T0), T0.plusSeconds(30));
            CircuitRecord late = fail(r, T0.plusSeconds(61));
            assertEquals(CircuitState.CLOSED, late.state());
            assertEquals(2, late.failureCount(), "the failure at 30 s is still within 60 s of 61 s");
            assertEquals(T0.plusSeconds(30), late.windowStart());
            CircuitRecord later = fail(late, T0.plusSeconds(200));
            assertEquals(1, later.failureCount());
            assertEquals(T0.plusSeconds(200), later.windowStart());
        }

        @Test
        @DisplayName("failures at 0, 59, 61 and 62 s open it at 62 s: three within a minute, whenever the first came")
        void slidingWindowOpens() {
            CircuitRecord r = fail(fail(fail(CircuitRecord.initial(), T0), T0.plusSeconds(59)), T0.plusSeconds(61));
            assertEquals(CircuitState.CLOSED, r.state());
            assertEquals(2, r.failureCount());
            CircuitRecord opened = fail(r, T0.plusSeconds(62));
            assertEquals(CircuitState.OPEN, opened.state());
            assertEquals(T0.plusSeconds(62), opened.openedAt());
            assertEquals(1, opened.generation());
        }

        @Test
        @DisplayName("a failure exactly 60 s old still counts; one a millisecond older does not")
        void windowEdge() {
            CircuitRecord two = fail(fail(CircuitRecord.initial(), T0), T0.plusSeconds(30));
            assertEquals(CircuitState.OPEN, fail(two, T0.plusSeconds(60)).state());
            assertEquals(CircuitState.CLOSED, fail(two, T0.plusSeconds(60).plusMillis(1)).state());
        }

        @Test
        @DisplayName("a success clears the count; a success with nothing to clear changes nothing (no write)")
        void success() {
            CircuitRecord r = fail(CircuitRecord.initial(), T0);
            CircuitRecord cleared = circuit.afterCall(r, T0, CallResult.SUCCESS, false);
            assertEquals(0, cleared.failureCount());
            assertNull(cleared.windowStart());
            assertSame(cleared, circuit.afterCall(cleared, T0, CallResult.SUCCESS, false));
        }

        @Test
        @DisplayName("a failure that is not counted (429) changes nothing")
        void notCounted() {
            CircuitRecord r = fail(CircuitRecord.initial(), T0);
            assertSame(r, circuit.afterCall(r, T0, CallResult.NOT_COUNTED, false));
        }
    }

    @Nested
    @DisplayName("open")
    class Open {

        final CircuitRecord open = Circuits.open(T0, 3, 10);

        @Test
        @DisplayName("rejects until the reset is overdue by more than the grace period")
        void rejects() {
            assertInstanceOf(Admission.Reject.class, circuit.admit(open, T0));
            assertInstanceOf(Admission.Reject.class, circuit.admit(open, T0.plus(Duration.ofMinutes(6)).minusMillis(1)));
        }

        @Test
        @DisplayName("once the reset is overdue beyond the grace, a caller may probe as if half-open")
        void overdueProbes() {
            Instant now = T0.plus(Duration.ofMinutes(6));
            Admission.Probe probe = assertInstanceOf(Admission.Probe.class, circuit.admit(open, now));
            assertEquals(CircuitState.HALF_OPEN, probe.claimed().state());
            assertEquals(now.plusSeconds(60), probe.claimed().probeUntil());
            assertEquals(11, probe.claimed().version());
        }

        @Test
        @DisplayName("an open record without openedAt is treated as overdue, never open forever")
        void noOpenedAt() {
            CircuitRecord broken = Circuits.open(null, 3, 10);
            assertInstanceOf(Admission.Probe.class, circuit.admit(broken, T0));
        }

        @Test
        @DisplayName("results of calls that started before the opening change nothing")
        void stragglers() {
            for (CallResult result : CallResult.values()) {
                assertSame(open, circuit.afterCall(open, T0, result, false));
            }
        }
    }

    @Nested
    @DisplayName("half-open")
    class HalfOpen {

        final CircuitRecord idle = Circuits.halfOpen(T0, 3, 10);

        @Test
        @DisplayName("admits one probe, which holds the slot for the probe lease")
        void oneProbe() {
            Admission.Probe probe = assertInstanceOf(Admission.Probe.class, circuit.admit(idle, T0));
            CircuitRecord probing = probe.claimed();
            assertInstanceOf(Admission.Reject.class, circuit.admit(probing, T0.plusSeconds(59)));
            assertInstanceOf(Admission.Probe.class, circuit.admit(probing, T0.plusSeconds(60)), "a dead probe frees the slot");
        }

        @Test
        @DisplayName("the probe's success closes; its counted failure reopens with a new generation; 429 frees the slot")
        void probeResults() {
            CircuitRecord probing = ((Admission.Probe) circuit.admit(idle, T0)).claimed();
            CircuitRecord closed = circuit.afterCall(probing, T0, CallResult.SUCCESS, true);
            assertEquals(CircuitState.CLOSED, closed.state());
            assertEquals(3, closed.generation());

            CircuitRecord reopened = circuit.afterCall(probing, T0.plusSeconds(5), CallResult.COUNTED_FAILURE, true);
            assertEquals(CircuitState.OPEN, reopened.state());
            assertEquals(4, reopened.generation());
            assertEquals(T0.plusSeconds(5), reopened.openedAt());

            CircuitRecord freed = circuit.afterCall(probing, T0, CallResult.NOT_COUNTED, true);
            assertEquals(CircuitState.HALF_OPEN, freed.state());
            assertNull(freed.probeUntil());
        }

        @Test
        @DisplayName("results of callers that are not the probe change nothing")
        void nonProbe() {
            for (CallResult result : CallResult.values()) {
                assertSame(idle, circuit.afterCall(idle, T0, result, false));
            }
        }
    }

    @Nested
    @DisplayName("scheduled reset")
    class Reset {

        @Test
        @DisplayName("moves open to half-open only for the generation it carries")
        void matchingGeneration() {
            CircuitRecord open = Circuits.open(T0, 3, 10);
            CircuitRecord half = circuit.afterReset(open, 3);
            assertEquals(CircuitState.HALF_OPEN, half.state());
            assertEquals(11, half.version());
            assertSame(open, circuit.afterReset(open, 2), "stale generation");
            assertSame(half, circuit.afterReset(half, 3), "repeated reset");
            CircuitRecord closed = CircuitRecord.initial();
            assertSame(closed, circuit.afterReset(closed, 0));
        }
    }

    @Test
    @DisplayName("settings reject non-positive thresholds and durations")
    void settingsValidated() {
        assertThrows(IllegalArgumentException.class, () -> new CircuitSettings(0, Duration.ofSeconds(60),
                Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofSeconds(60)));
        assertThrows(IllegalArgumentException.class, () -> new CircuitSettings(3, Duration.ZERO,
                Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofSeconds(60)));
    }
}
