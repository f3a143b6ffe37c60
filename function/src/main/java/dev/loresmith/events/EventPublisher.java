package dev.loresmith.events;

import java.time.Instant;
import java.util.List;

/** Puts events on the bus. Throws if any of them could not be put (the caller retries the stream records). */
public interface EventPublisher {

    void publish(List<DomainEvent> events);

    /**
     * Puts events on the bus, trying again (where a publisher does) only while another try could start before
     * {@code deadline} — the invocation's remaining time, less what one call and the caller's answer need.
     */
    default void publish(List<DomainEvent> events, Instant deadline) {
        publish(events);
    }
}
