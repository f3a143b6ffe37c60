package dev.loresmith.local;

import dev.loresmith.events.DomainEvent;
import dev.loresmith.events.EventPublisher;

import java.io.PrintStream;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The local stand-in for the event bus: prints each event (one line: detail-type and detail) and runs the
 * template's one rule on it — {@code CircuitHalfOpen} and {@code CircuitClosed} start an upgrade sweep.
 */
final class LocalBus implements EventPublisher {

    static final Set<String> SWEEP_ON = Set.of("CircuitHalfOpen", "CircuitClosed");

    private final PrintStream out;
    private final Runnable sweep;
    private final List<DomainEvent> published = new CopyOnWriteArrayList<>();

    LocalBus(PrintStream out, Runnable sweep) {
        this.out = out;
        this.sweep = sweep;
    }

    @Override
    public void publish(List<DomainEvent> events) {
        for (DomainEvent event : events) {
            published.add(event);
            out.println("  event  " + event.detailType() + "  " + event.detail());
        }
        if (events.stream().anyMatch(e -> SWEEP_ON.contains(e.detailType()))) {
            sweep.run();
        }
    }

    List<DomainEvent> published() {
        return List.copyOf(published);
    }
}
