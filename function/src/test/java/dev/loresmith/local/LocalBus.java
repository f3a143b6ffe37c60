package dev.loresmith.local;

import dev.loresmith.events.DomainEvent;
import dev.loresmith.events.EventPublisher;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The local stand-in for the event bus: hands each event to {@code onEvent} (the runner prints it) and runs the
 * template's one rule on it — {@code CircuitHalfOpen} and {@code CircuitClosed} start an upgrade sweep.
 */
final class LocalBus implements EventPublisher {

    static final Set<String> SWEEP_ON = Set.of("CircuitHalfOpen", "CircuitClosed");

    private final Consumer<DomainEvent> onEvent;
    private final Runnable sweep;
    private final List<DomainEvent> published = new CopyOnWriteArrayList<>();

    LocalBus(Consumer<DomainEvent> onEvent, Runnable sweep) {
        this.onEvent = onEvent;
        this.sweep = sweep;
    }

    @Override
    public void publish(List<DomainEvent> events) {
        for (DomainEvent event : events) {
            published.add(event);
            onEvent.accept(event);
        }
        if (events.stream().anyMatch(e -> SWEEP_ON.contains(e.detailType()))) {
            sweep.run();
        }
    }

    List<DomainEvent> published() {
        return List.copyOf(published);
    }
}
