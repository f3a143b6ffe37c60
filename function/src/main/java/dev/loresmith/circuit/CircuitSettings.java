package dev.loresmith.circuit;

import java.time.Duration;

/**
 * The circuit's thresholds, each named with its unit.
 *
 * @param failureThreshold counted failures within {@code failureWindow} that open the circuit
 * @param failureWindow    the sliding window in which they must fall: any {@code failureThreshold} failures within it open
 * @param resetAfter       how long the circuit stays open before the scheduled reset moves it to half-open
 * @param overdueGrace     how late a reset may be before callers stop waiting for it and probe themselves
 * @param probeLease       how long a half-open probe is exclusive; a probe that dies frees the slot after this
 */
public record CircuitSettings(int failureThreshold, Duration failureWindow, Duration resetAfter,
                              Duration overdueGrace, Duration probeLease) {

    /** The longest a probe lease may be: a stored {@code probeUntil} further ahead is no lease of ours (a hand edit). */
    public static final Duration LONGEST_PROBE_LEASE = Duration.ofMinutes(5);

    public static final CircuitSettings DEFAULTS = new CircuitSettings(
            3, Duration.ofSeconds(60), Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofSeconds(60));

    public CircuitSettings {
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("failureThreshold must be at least 1");
        }
        for (Duration d : new Duration[] {failureWindow, resetAfter, overdueGrace, probeLease}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("circuit durations must be positive");
            }
        }
        if (probeLease.compareTo(LONGEST_PROBE_LEASE) > 0) {
            throw new IllegalArgumentException("probeLease must be at most " + LONGEST_PROBE_LEASE + ", got " + probeLease);
        }
    }
}
