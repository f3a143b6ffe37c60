package dev.loresmith.generate;

import dev.loresmith.circuit.Admission;
import dev.loresmith.circuit.Circuit;
import dev.loresmith.llm.Transport;
import dev.loresmith.storage.Config;
import dev.loresmith.storage.ProviderConfig;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.OptionalLong;

/**
 * Whether a provider may be called for this request, decided before any call and without I/O — in order: usable
 * credentials ({@code no_config}; {@code config_unavailable} when they could not be read), the circuit (open or forced
 * open: {@code circuit_open}), the shared throttle ({@code rate_limited}), the day's token budget
 * ({@code budget_exhausted}). A half-open circuit lets the caller try to become its probe: one conditional write,
 * which the flow makes. A spend-limit hold that has passed is not simply over: one caller checks it, the same way.
 */
public final class Gates {

    /** The decision. */
    public sealed interface Gate {
    }

    /**
     * Call — or, with a {@link Admission.Probe}, call if this caller wins the probe; with {@code spendLimitCheck}, call
     * if this caller wins the check of a spend-limit hold that has passed (one conditional write, like the probe's).
     */
    public record Pass(Admission admission, boolean spendLimitCheck) implements Gate {
    }

    /** No call: fall back for {@code reason}. {@code problem} names a credentials problem (for the log), or is null. */
    public record Refuse(FallbackReason reason, String problem) implements Gate {
        /** Whether the shared throttle saved a call (the {@code ThrottledCalls} metric). */
        public boolean throttled() {
            return reason.equals(FallbackReason.RATE_LIMITED);
        }
    }

    private Gates() {
    }

    /**
     * The gates of one provider: its credentials ({@code readiness}), its circuit and throttle ({@code config}), and the
     * day's token budget every provider shares ({@code budget}, {@code used} of it today).
     */
    public static Gate admit(Transport.Readiness readiness, ProviderConfig config, OptionalLong budget, long used, Circuit circuit,
                             Instant now) {
        if (readiness instanceof Transport.Readiness.Absent absent) {
            return new Refuse(FallbackReason.NO_CONFIG, absent.why());
        }
        if (readiness instanceof Transport.Readiness.Unavailable) {
            return new Refuse(FallbackReason.CONFIG_UNAVAILABLE, null);
        }
        Admission admission = circuit.admit(config.circuit(), now);
        if (admission instanceof Admission.Reject) {
            return new Refuse(FallbackReason.CIRCUIT_OPEN, null);
        }
        if (config.throttledAt(now)) {
            return new Refuse(FallbackReason.RATE_LIMITED, null);
        }
        if (budget.isPresent() && used >= budget.getAsLong()) {
            return new Refuse(FallbackReason.BUDGET_EXHAUSTED, null);
        }
        return new Pass(admission, config.spendLimitCheckDue(now));
    }

    /** Whether a budget is set and the UTC day's count has reached it. */
    public static boolean budgetSpent(Config config, Instant now) {
        return config.tokenBudget().isPresent() && config.tokensUsedOn(LocalDate.ofInstant(now, ZoneOffset.UTC)) >= config.tokenBudget().getAsLong();
    }
}
