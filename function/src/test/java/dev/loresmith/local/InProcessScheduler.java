package dev.loresmith.local;

import dev.loresmith.handler.ResetHandler;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.schedule.ResetScheduler;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The local stand-in for EventBridge Scheduler: at the schedule's time it invokes the same
 * {@link ResetHandler} with {@code {"generation": g}}. One schedule per generation, like the named ones.
 */
final class InProcessScheduler implements ResetScheduler, AutoCloseable {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "local-scheduler");
        t.setDaemon(true);
        return t;
    });
    private final Set<Long> scheduled = ConcurrentHashMap.newKeySet();
    private final Supplier<ResetHandler> handler;
    private final Clock clock;
    private final StructuredLog log;

    InProcessScheduler(Supplier<ResetHandler> handler, Clock clock, StructuredLog log) {
        this.handler = handler;
        this.clock = clock;
        this.log = log;
    }

    @Override
    public void scheduleReset(long generation, Instant at) {
        if (!scheduled.add(generation)) {
            return; // same name: a harmless conflict, as in EventBridge Scheduler
        }
        long delay = Math.max(0, Duration.between(clock.instant(), at).toMillis());
        log.info("circuit reset scheduled (in-process)", "generation", generation, "at", at.toString());
        timer.schedule(() -> {
            try {
                handler.get().handleRequest(
                        new ByteArrayInputStream(("{\"generation\":" + generation + "}").getBytes(StandardCharsets.UTF_8)),
                        new ByteArrayOutputStream(), new LocalContext("ResetFunction", 15));
            } catch (Exception e) {
                log.error("in-process circuit reset failed", "generation", generation, "error", e.getClass().getSimpleName());
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
