package dev.loresmith.events;

import java.util.List;

/** Puts events on the bus. Throws if any of them could not be put (the caller retries the stream records). */
public interface EventPublisher {

    void publish(List<DomainEvent> events);
}
