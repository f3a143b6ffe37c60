package dev.loresmith.generate;

import java.time.Duration;

/** Waits. Injected wherever the code waits on time, so tests move a clock instead of sleeping. */
@FunctionalInterface
public interface Sleeper {

    Sleeper REAL = duration -> {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    };

    void sleep(Duration duration);
}
