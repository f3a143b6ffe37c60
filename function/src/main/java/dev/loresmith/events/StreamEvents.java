package dev.loresmith.events;

import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitTransition;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.storage.ProviderConfig;
import dev.loresmith.storage.StreamImages;

import java.util.List;
import java.util.Optional;

/**
 * The events one stream record means. Derived from the images before and after the write, so every path
 * that writes — the flow, an upgrade, a reset, an operator, a crash after the write — is seen, and a write
 * that is retried emits nothing new (its second attempt changes nothing, or is refused).
 */
public final class StreamEvents {

    private StreamEvents() {
    }

    public static List<DomainEvent> of(StreamRecord record) {
        if (StreamImages.isContent(record.newImage())) {
            return contentReady(record).<List<DomainEvent>>map(List::of).orElse(List.of());
        }
        if (StreamImages.isCircuit(record.newImage())) {
            ProviderConfig after = StreamImages.config(record.newImage());
            CircuitRecord before = record.oldImage().isEmpty() ? null : StreamImages.config(record.oldImage()).circuit();
            return CircuitTransition.between(before, after.circuit())
                    .<List<DomainEvent>>map(t -> List.of(new DomainEvent.CircuitChanged(StreamImages.provider(record.newImage()), t,
                            after.circuit().version(), record.approximateCreation(), record.eventId())))
                    .orElse(List.of());
        }
        return List.of(); // a delete, or a table this code does not know
    }

    /** {@code ContentReady} when the item is ready now and was not before. */
    private static Optional<DomainEvent> contentReady(StreamRecord record) {
        Optional<ContentItem> after = StreamImages.content(record.newImage());
        if (after.isEmpty() || after.get().status() != ContentStatus.READY || after.get().generatedAt() == null) {
            return Optional.empty();
        }
        boolean wasReady = StreamImages.content(record.oldImage()).map(i -> i.status() == ContentStatus.READY).orElse(false);
        return wasReady ? Optional.empty() : Optional.of(new DomainEvent.ContentReady(after.get()));
    }
}
