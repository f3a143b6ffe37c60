package dev.loresmith.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;
import dev.loresmith.circuit.CircuitTransition;
import dev.loresmith.item.ContentItem;

import java.time.Instant;

/**
 * What Loresmith announces on its event bus (source {@value #SOURCE}). Every event carries an
 * {@code eventId} that is the same however often the change behind it is delivered (stream retries
 * deliver duplicates), so a consumer de-duplicates on it.
 */
public sealed interface DomainEvent {

    String SOURCE = "loresmith";

    /** The EventBridge detail-type. */
    String detailType();

    /** The EventBridge detail, as JSON. */
    ObjectNode detail();

    /** The detail without what can make it large, for an event whose full detail EventBridge would not take. */
    default ObjectNode compactDetail() {
        return detail();
    }

    /**
     * An item became {@code ready}: first generation or an upgrade of a fallback ({@code upgradedFrom} is the
     * fallback reason replaced); {@code provider} names who wrote it (absent on items written before providers). Id: {@code <contentType>#<contentId>#<generatedAt ms>}, one per text generated.
     */
    record ContentReady(ContentItem item) implements DomainEvent {
        @Override
        public String detailType() {
            return "ContentReady";
        }

        @Override
        public ObjectNode detail() {
            ObjectNode detail = Json.MAPPER.createObjectNode();
            detail.put("eventId", item.key().contentType() + "#" + item.key().contentId() + "#" + item.generatedAt().toEpochMilli());
            detail.put("contentType", item.key().contentType());
            detail.put("contentId", item.key().contentId().toBigInteger());
            detail.put("status", item.status().wireName());
            if (item.provider() != null) {
                detail.put("provider", item.provider());
            }
            detail.put("model", item.model());
            detail.put("text", item.text());
            detail.put("generatedAt", item.generatedAt().toString());
            if (item.upgradedFrom() != null) {
                detail.put("upgradedFrom", item.upgradedFrom());
            }
            return detail;
        }

        /** Without {@code text}, marked {@code textOmitted: true}: the consumer reads the item ({@code GET /content/...}). */
        @Override
        public ObjectNode compactDetail() {
            ObjectNode detail = detail();
            detail.remove("text");
            detail.put("textOmitted", true);
            return detail;
        }
    }

    /**
     * The circuit moved ({@code CircuitOpened}, {@code CircuitHalfOpen}, {@code CircuitClosed}), by any path:
     * failures, a probe, the scheduled reset, an operator. Id: {@code <provider>#<stream record id>} — one per
     * write, the same however often the record is delivered, and never reused (a {@code version} can be: the item
     * deleted, restored from a backup, or a hand-edited version replaced). {@code version} orders them.
     */
    record CircuitChanged(String provider, CircuitTransition transition, long version, Instant at, String recordId)
            implements DomainEvent {
        @Override
        public String detailType() {
            return transition.kind().eventName();
        }

        @Override
        public ObjectNode detail() {
            ObjectNode detail = Json.MAPPER.createObjectNode();
            detail.put("eventId", provider + "#" + (recordId == null ? "v" + version : recordId));
            detail.put("provider", provider);
            detail.put("generation", transition.generation());
            detail.put("version", version);
            detail.put("at", at.toString());
            detail.put("from", transition.from().wireName());
            detail.put("to", transition.to().wireName());
            detail.put("reason", transition.reason().wireName());
            return detail;
        }
    }
}
