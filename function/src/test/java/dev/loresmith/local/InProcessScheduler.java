package dev.loresmith.local;

import dev.loresmith.handler.ResetHandler;
import dev.loresmith.llm.Provider;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.schedule.EventBridgeResetScheduler;
import dev.loresmith.schedule.ResetScheduler;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The local stand-in for EventBridge Scheduler: once the runner's clock passes a schedule's time, it invokes
 * the same {@link ResetHandler} with {@code {"provider": p, "generation": g}}. One schedule per provider and
 * generation, like the named ones. Driven by the runner's ticker (every second) — or at once after the outage demo moves its clock.
 */
final class InProcessScheduler implements ResetScheduler {

    /** One schedule: its name's parts. */
    private record Schedule(Provider provider, long generation) {
    }

    private final Map<Schedule, Instant> due = new ConcurrentHashMap<>();
    private final Supplier<ResetHandler> handler;
    private final Clock clock;
    private final StructuredLog log;

    InProcessScheduler(Supplier<ResetHandler> handler, Clock clock, StructuredLog log) {
        this.handler = handler;
        this.clock = clock;
        this.log = log;
    }

    @Override
    public void scheduleReset(Provider provider, long generation, Instant at) {
        if (due.putIfAbsent(new Schedule(provider, generation), at) == null) {
            log.info("circuit reset scheduled (in-process)", "provider", provider.wireName(), "generation", generation, "at", at.toString());
        } // else: same name, a harmless conflict, as in EventBridge Scheduler
    }

    /** When the earliest reset not yet run is due, if any. */
    Optional<Instant> nextDue() {
        return due.values().stream().min(Comparator.naturalOrder());
    }

    /** Runs every reset whose time has come (each once). Returns how many ran. */
    int fireDue() {
        int fired = 0;
        for (Map.Entry<Schedule, Instant> entry : List.copyOf(due.entrySet())) {
            if (!clock.instant().isBefore(entry.getValue()) && due.remove(entry.getKey(), entry.getValue())) {
                try {
                    handler.get().handleRequest(
                            new ByteArrayInputStream(EventBridgeResetScheduler.input(entry.getKey().provider(), entry.getKey().generation())
                                    .getBytes(StandardCharsets.UTF_8)),
                            new ByteArrayOutputStream(), new LocalContext("ResetFunction", 15));
                    fired++;
                } catch (Exception e) {
                    log.error("in-process circuit reset failed", "provider", entry.getKey().provider().wireName(),
                            "generation", entry.getKey().generation(), "error", e.getClass().getSimpleName());
                }
            }
        }
        return fired;
    }
}
