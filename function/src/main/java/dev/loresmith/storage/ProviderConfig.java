package dev.loresmith.storage;

import dev.loresmith.circuit.CircuitRecord;

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

    /**
     * This config as of {@code now}: a {@code throttledUntil} further ahead than any throttle holds (a hand edit in
     * microseconds, say) is ignored and named in {@code problems} — it would otherwise hold every call back for
     * good, and {@code PUT /circuit} does not touch it. The next throttle replaces it.
     */
    public ProviderConfig checkedAt(Instant now) {
        if (throttledUntil == null || !throttledUntil.isAfter(implausibleThrottleAfter(now))) {
            return this;
        }
        List<String> more = new ArrayList<>(problems);
        more.add("throttledUntil: further ahead than any throttle holds, ignored");
        return new ProviderConfig(circuit, modelOverride, maxTokensOverride, null, null, more);
    }

    /** A stored throttle ending after this was not written by a throttle of ours. */
    public static Instant implausibleThrottleAfter(Instant now) {
        return now.plus(LONGEST_THROTTLE).plus(Duration.ofMinutes(1));
    }

    public boolean throttledAt(Instant now) {
        return throttledUntil != null && now.isBefore(throttledUntil);
    }

    public ProviderConfig withCircuit(CircuitRecord record) {
        return new ProviderConfig(record, modelOverride, maxTokensOverride, throttledUntil, throttleReason, problems);
    }
}
