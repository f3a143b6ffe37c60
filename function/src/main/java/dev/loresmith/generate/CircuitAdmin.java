package dev.loresmith.generate;

import dev.loresmith.circuit.Circuit;
import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitState;
import dev.loresmith.circuit.ForcedState;
import dev.loresmith.content.InvalidRequest;
import dev.loresmith.llm.Provider;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.retry.Retry;
import dev.loresmith.storage.CircuitStore;
import dev.loresmith.storage.Config;
import dev.loresmith.storage.ProviderConfig;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.OptionalLong;

/**
 * What an operator sees of the providers' circuits and how they force one ({@code GET /circuit}, {@code PUT /circuit}).
 * A change is one write conditioned on the version read; a forced state holds until released, through resets and
 * probes. Every change is logged with the caller's identity.
 */
public final class CircuitAdmin {

    /** A change that lost a race to another writer re-reads the circuit and decides again, up to five times. */
    private static final Retry RACES = Retry.atOnce(5);

    /**
     * One provider's circuit as one consistent read sees it.
     *
     * @param failuresInWindow counted failures within the sliding window as of now
     * @param resetDueAt       when the scheduled reset of the current opening is due; null unless open
     * @param throttledUntil   the provider's shared throttle; null when none is in force
     */
    public record ProviderStatus(Provider provider, CircuitRecord circuit, int failuresInWindow, Instant resetDueAt, Instant throttledUntil,
                                 String throttleReason) {
    }

    /**
     * Every configured provider's circuit, in preference order, and what they share.
     *
     * @param budget        tokens per UTC day; empty when no budget is set
     * @param budgetUsed    tokens counted today, every provider's
     * @param problems      values the code does not understand on every item read — the stack item and every provider's,
     *                      also one not in the order (a budget left on the anthropic item of a Bedrock-only stack)
     */
    public record Status(List<ProviderStatus> providers, OptionalLong budget, long budgetUsed, List<Config.Problem> problems) {

        /** The first provider in preference order: where requests go first, and what {@code PUT /circuit} forces by default. */
        public ProviderStatus primary() {
            return providers.get(0);
        }
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
        Config config = circuits.read().checkedAt(now);
        List<ProviderStatus> providers = config.order().stream().map(p -> status(p, config.provider(p), now)).toList();
        return new Status(providers, config.tokenBudget(), config.tokensUsedOn(LocalDate.ofInstant(now, ZoneOffset.UTC)),
                config.problems());
    }

    private ProviderStatus status(Provider provider, ProviderConfig config, Instant now) {
        CircuitRecord record = config.circuit();
        int inWindow = (int) record.recentFailures().stream()
                .filter(t -> !t.isBefore(now.minus(circuit.settings().failureWindow()))).count();
        Instant resetDue = record.state() == CircuitState.OPEN && record.openedAt() != null ? circuit.resetDueAt(record) : null;
        return new ProviderStatus(provider, record, inWindow, resetDue, config.throttledAt(now) ? config.throttledUntil() : null,
                config.throttledAt(now) ? config.throttleReason() : null);
    }

    /** The provider {@code PUT /circuit} forces when the body names none: the first in preference order. */
    public Provider defaultProvider() {
        return circuits.read().order().get(0);
    }

    /**
     * Forces {@code provider}'s circuit open or closed, or releases it ({@link ForcedState#NONE}); returns the status after.
     * A provider not in this stack's order is refused: nothing would show its forced state, which a later change of
     * {@code Providers} would silently inherit.
     */
    public Status force(Provider provider, ForcedState override, String caller) {
        List<Provider> order = circuits.read().order();
        if (!order.contains(provider)) {
            throw new InvalidRequest("provider", "provider " + provider.wireName() + " is not in this stack's Providers ("
                    + Provider.listText(order) + ")");
        }
        return RACES.run(attempt -> {
            CircuitRecord current = circuits.circuit(provider);
            CircuitRecord next = circuit.force(current, override);
            if (next.equals(current) || circuits.replace(provider, current, next)) {
                log.info("circuit forced", "provider", provider.wireName(), "state", override == ForcedState.NONE ? "auto" : override.wireName(),
                        "caller", caller, "changed", !next.equals(current), "generation", next.generation());
                return Retry.Step.done(status());
            }
            // another writer moved the circuit between our read and write: decide again on what it wrote
            return Retry.Step.againOrThrow(new IllegalStateException("the circuit kept changing; try again"));
        });
    }
}
