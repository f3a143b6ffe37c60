package dev.loresmith.generate;

import dev.loresmith.circuit.Circuit;
import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitState;
import dev.loresmith.circuit.ForcedState;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.retry.Retry;
import dev.loresmith.storage.CircuitStore;
import dev.loresmith.storage.ProviderConfig;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.OptionalLong;

/**
 * What an operator sees of the circuit and how they force it ({@code GET /circuit}, {@code PUT /circuit}).
 * A change is one write conditioned on the version read; a forced state holds until released, through
 * resets and probes. Every change is logged with the caller's identity.
 */
public final class CircuitAdmin {

    /** A change that lost a race to another writer re-reads the circuit and decides again, up to five times. */
    private static final Retry RACES = Retry.atOnce(5);

    /**
     * The circuit as one consistent read sees it.
     *
     * @param failuresInWindow counted failures within the sliding window as of now
     * @param resetDueAt       when the scheduled reset of the current opening is due; null unless open
     * @param throttledUntil   the shared throttle; null when none is in force
     * @param budget           tokens per UTC day; empty when no budget is set
     */
    public record Status(CircuitRecord circuit, int failuresInWindow, Instant resetDueAt, Instant throttledUntil,
                         String throttleReason, OptionalLong budget, long budgetUsed, List<String> problems) {
    }

    private final CircuitStore circuits;
    private final Circuit circuit;
    private final Clock clock;
    private final StructuredLog log;

    public CircuitAdmin(CircuitStore circuits, Circuit circuit, Clock clock, StructuredLog log) {
        this.circuits = circuits;
        this.circuit = circuit;
        this.clock = clock;
        this.log = log;
    }

    public Status status() {
        Instant now = clock.instant();
        ProviderConfig config = circuits.read().checkedAt(now);
        CircuitRecord record = config.circuit();
        int inWindow = (int) record.recentFailures().stream()
                .filter(t -> !t.isBefore(now.minus(circuit.settings().failureWindow()))).count();
        Instant resetDue = record.state() == CircuitState.OPEN && record.openedAt() != null
                ? circuit.resetDueAt(record) : null;
        return new Status(record, inWindow, resetDue, config.throttledAt(now) ? config.throttledUntil() : null,
                config.throttledAt(now) ? config.throttleReason() : null, config.tokenBudget(),
                config.tokensUsedOn(LocalDate.ofInstant(now, ZoneOffset.UTC)), config.problems());
    }

    /** Forces the circuit open or closed, or releases it ({@link ForcedState#NONE}); returns the status after. */
    public Status force(ForcedState override, String caller) {
        return RACES.run(attempt -> {
            CircuitRecord current = circuits.read().circuit();
            CircuitRecord next = circuit.force(current, override);
            if (next.equals(current) || circuits.replace(current, next)) {
                log.info("circuit forced", "state", override == ForcedState.NONE ? "auto" : override.wireName(),
                        "caller", caller, "changed", !next.equals(current), "generation", next.generation());
                return Retry.Step.done(status());
            }
            // another writer moved the circuit between our read and write: decide again on what it wrote
            return Retry.Step.againOrThrow(new IllegalStateException("the circuit kept changing; try again"));
        });
    }
}
