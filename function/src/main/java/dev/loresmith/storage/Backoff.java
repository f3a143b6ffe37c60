package dev.loresmith.storage;

import java.util.concurrent.ThreadLocalRandom;

/** How long to wait before attempt {@code n + 1} of a write that conflicted. Injected, so tests never sleep. */
@FunctionalInterface
public interface Backoff {

    Backoff NONE = attempt -> { };

    void pause(int attempt);

    /** Full jitter, capped at 200 ms: spreads instances that collided on the same item. */
    static Backoff jittered() {
        return attempt -> {
            long capMillis = Math.min(200, 10L << Math.min(attempt, 10));
            // nanoTime mixed in: instances restored from one SnapStart snapshot share their random seeds
            long random = ThreadLocalRandom.current().nextLong() ^ System.nanoTime();
            try {
                Thread.sleep(Math.floorMod(random, capMillis + 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }
}
