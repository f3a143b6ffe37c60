package dev.loresmith.generate;

import java.time.Duration;

/**
 * When the sweep puts a still-pending item on the queue again — so that no item stays pending when the message that
 * should finish it is lost, and no second message is sent while the first may still come.
 *
 * @param afterRequest a new item the HTTP API recorded, nobody having claimed it (its sender may have died before enqueuing)
 * @param afterClaim   after a worker claimed it: longer than the lease plus the queue's own redeliveries (5 receives ×
 *                     the 300 s visibility timeout), so it only acts when the worker and every redelivery are lost
 * @param afterRequeue after the sweep requeued it (or found a live worker on it), before trying again
 */
public record RequeuePolicy(Duration afterRequest, Duration afterClaim, Duration afterRequeue) {

    public static final RequeuePolicy DEFAULTS = new RequeuePolicy(Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofMinutes(30));

    public RequeuePolicy {
        for (Duration d : new Duration[] {afterRequest, afterClaim, afterRequeue}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("requeue times must be positive, got " + d);
            }
        }
    }
}
