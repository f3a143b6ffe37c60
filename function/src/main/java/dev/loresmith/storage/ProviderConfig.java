package dev.loresmith.storage;

import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitSettings;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One provider's item of the circuit/config table, as one consistent read sees it: its circuit, its shared throttle
 * and an operator's overrides of its model and max_tokens. Values the code does not understand are already replaced by
 * their documented safe defaults; {@code problems} names each such attribute (never its value), for the caller to log.
 *
 * @param throttledUntil no call to this provider before this, by any instance; null when there is no throttle
 * @param throttleReason why: {@code rate_limited} or {@code spend_limit}
 */
public record ProviderConfig(CircuitRecord circuit, String modelOverride, Integer maxTokensOverride, Instant throttledUntil,
                             String throttleReason, List<String> problems) {

    /** The longest any throttle of ours holds calls back (a spend limit's hour); {@link #checkedAt} allows a minute of clock skew. */
    public static final Duration LONGEST_THROTTLE = Duration.ofHours(1);

    public static final ProviderConfig INITIAL = new ProviderConfig(CircuitRecord.initial(), null, null, null, null, List.of());

    public ProviderConfig {
        problems = List.copyOf(problems);
    }

    /** How far ahead of this instance's clock another instance may have stamped a time it wrote. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

    /**
     * This config as of {@code now}: times further ahead than any writer of ours stamps them — a hand edit in
     * microseconds, say, or a year typed wrong — are ignored and named in {@code problems}, each of which would
     * otherwise freeze the provider for good ({@code PUT /circuit} does not touch them):
     * <ul>
     *   <li>a {@code throttledUntil} past the longest throttle: none (the next throttle replaces it);</li>
     *   <li>an {@code openedAt} ahead of now: none — an open circuit without one is overdue, so the next caller probes
     *       it, and the probe's result writes it again;</li>
     *   <li>a {@code probeUntil} past the longest probe lease: none — no probe runs, the next caller probes.</li>
     * </ul>
     */
    public ProviderConfig checkedAt(Instant now) {
        List<String> more = new ArrayList<>(problems);
        Instant throttle = throttledUntil;
        String reason = throttleReason;
        if (throttle != null && throttle.isAfter(implausibleThrottleAfter(now))) {
            more.add("throttledUntil: further ahead than any throttle holds, ignored");
            throttle = null;
            reason = null;
        }
        CircuitRecord c = circuit;
        Instant openedAt = c.openedAt();
        if (openedAt != null && openedAt.isAfter(now.plus(CLOCK_SKEW))) {
            more.add("openedAt: further ahead than now, read as none (its reset is overdue: the next caller probes)");
            openedAt = null;
        }
        Instant probeUntil = c.probeUntil();
        if (probeUntil != null && probeUntil.isAfter(now.plus(CircuitSettings.LONGEST_PROBE_LEASE).plus(CLOCK_SKEW))) {
            more.add("probeUntil: further ahead than any probe lease, read as none (the next caller probes)");
            probeUntil = null;
        }
        if (more.size() == problems.size()) {
            return this;
        }
        CircuitRecord checked = new CircuitRecord(c.state(), c.recentFailures(), openedAt, c.generation(), probeUntil, c.forced(), c.version());
        return new ProviderConfig(checked, modelOverride, maxTokensOverride, throttle, reason, more);
    }

    /** A stored throttle ending after this was not written by a throttle of ours. */
    public static Instant implausibleThrottleAfter(Instant now) {
        return now.plus(LONGEST_THROTTLE).plus(Duration.ofMinutes(1));
    }

    public boolean throttledAt(Instant now) {
        return throttledUntil != null && now.isBefore(throttledUntil);
    }

    /** The {@code throttleReason} of a spend-limit hold. */
    public static final String SPEND_LIMIT = "spend_limit";

    /**
     * Whether a spend-limit hold has passed without anyone checking it yet: a spend limit does not lift by itself at a
     * known time, so one call checks (claiming the check as a probe is claimed), not every instance at once.
     */
    public boolean spendLimitCheckDue(Instant now) {
        return throttledUntil != null && !throttledAt(now) && SPEND_LIMIT.equals(throttleReason);
    }

    public ProviderConfig withCircuit(CircuitRecord record) {
        return new ProviderConfig(record, modelOverride, maxTokensOverride, throttledUntil, throttleReason, problems);
    }
}
