package dev.loresmith.testing;

import dev.loresmith.events.DomainEvent;
import dev.loresmith.events.EventBridgePublisher;
import dev.loresmith.events.EventPublisher;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** An event bus that keeps what it is given; can be told to refuse the next puts, as EventBridge might. */
public final class RecordingPublisher implements EventPublisher {

    private final List<DomainEvent> published = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger refusals = new AtomicInteger();
    private final List<Instant> deadlines = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void publish(List<DomainEvent> events) {
        if (refusals.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new EventBridgePublisher.PublishFailed("PutEvents answered 500 (scripted)");
        }
        published.addAll(events);
    }

    @Override
    public void publish(List<DomainEvent> events, Instant deadline) {
        deadlines.add(deadline);
        publish(events);
    }

    /** The deadlines callers gave, in order (publishes without one are not listed). */
    public List<Instant> deadlines() {
        synchronized (deadlines) {
            return List.copyOf(deadlines);
        }
    }

    public void refuseNext(int times) {
        refusals.set(times);
    }

    public List<DomainEvent> events() {
        synchronized (published) {
            return List.copyOf(published);
        }
    }

    /** The detail-types published, in order. */
    public List<String> types() {
        return events().stream().map(DomainEvent::detailType).toList();
    }
}
