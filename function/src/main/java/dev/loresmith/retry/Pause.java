package dev.loresmith.retry;

import java.time.Duration;

/** Waits. Injected wherever the code waits on time, so tests move a clock instead of sleeping. */
@FunctionalInterface
public interface Pause {

    /** Sleeps the calling thread; an interrupt ends the pause early and is kept on the thread. */
    Pause REAL = duration -> {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    };

    /** Returns at once: for tests whose clock does not move while a loop backs off. */
    Pause NONE = duration -> { };

    void pause(Duration duration);
}
