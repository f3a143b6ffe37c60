package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;
import dev.loresmith.events.DomainEvent;
import dev.loresmith.events.EventBridgePublisher;
import dev.loresmith.events.EventPublisher;
import dev.loresmith.events.StreamEvents;
import dev.loresmith.events.StreamRecord;
import dev.loresmith.log.ErrorSummary;
import dev.loresmith.log.StructuredLog;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Both tables' DynamoDB streams → events on the bus ({@code ContentReady}, {@code CircuitOpened},
 * {@code CircuitHalfOpen}, {@code CircuitClosed}). Records are handled in order; when publishing fails, the
 * sequence number of the first record not yet published is reported (ReportBatchItemFailures), so Lambda
 * retries from there and nothing after a failure is skipped. Re-sent events carry the same {@code eventId}.
 */
public final class StreamEventsHandler implements RequestStreamHandler {

    /** Kept free at the end of an invocation: one PutEvents call, then the answer. */
    static final Duration PUBLISH_MARGIN = EventBridgePublisher.CALL_TIME.plusSeconds(2);

    /** What this handler works with; {@link Wiring#streamEvents} builds it. */
    public record Dependencies(EventPublisher publisher, StructuredLog log, Clock clock) {
    }

    private final EventPublisher publisher;
    private final StructuredLog log;
    private final Clock clock;

    public StreamEventsHandler() {
        this(Wiring.streamEvents(AwsOutside.fromEnvironment()));
    }

    public StreamEventsHandler(Dependencies d) {
        this.publisher = d.publisher();
        this.log = d.log();
        this.clock = d.clock();
        Priming.beforeSnapshot("StreamEventsHandler", this::prime, log);
    }

    /** SnapStart priming: parse and map a sample record; no AWS call (its role only reads streams and puts events). */
    void prime() {
        StreamEvents.of(new StreamRecord("priming", "0", Map.of(), Map.of("pk", AttributeValue.fromS("x#0")), Instant.EPOCH));
        records(Json.MAPPER.createObjectNode());
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        List<StreamRecord> records = records(Json.MAPPER.readTree(input));
        // Retries stop in time for the last call to finish and the partial-failure answer to be returned.
        Instant deadline = context == null ? Instant.MAX
                : clock.instant().plusMillis(context.getRemainingTimeInMillis()).minus(PUBLISH_MARGIN);
        String failedAt = publish(records, context == null ? "local" : context.getAwsRequestId(), deadline);
        ObjectNode response = Json.MAPPER.createObjectNode();
        if (failedAt != null) {
            response.putArray("batchItemFailures").addObject().put("itemIdentifier", failedAt);
        } else {
            response.putArray("batchItemFailures");
        }
        output.write(Json.write(response).getBytes(StandardCharsets.UTF_8));
    }

    /** Publishes the records' events in order, with no deadline (local runs and tests). */
    public String publish(List<StreamRecord> records, String requestId) {
        return publish(records, requestId, Instant.MAX);
    }

    /**
     * Publishes the records' events in order, retrying only while a try can start before {@code deadline}; returns the
     * sequence number to retry from, or null when all went out.
     */
    public String publish(List<StreamRecord> records, String requestId, Instant deadline) {
        List<DomainEvent> pending = new ArrayList<>();
        String firstPending = null;
        int published = 0;
        for (StreamRecord record : records) {
            List<DomainEvent> events = StreamEvents.of(record);
            if (events.isEmpty()) {
                continue;
            }
            if (firstPending == null) {
                firstPending = record.sequenceNumber();
            }
            pending.addAll(events);
            if (pending.size() >= 10) {
                if (!flush(pending, requestId, deadline)) {
                    return firstPending;
                }
                published += pending.size();
                pending.clear();
                firstPending = null;
            }
        }
        if (!pending.isEmpty()) {
            if (!flush(pending, requestId, deadline)) {
                return firstPending;
            }
            published += pending.size();
        }
        log.info("stream records handled", "requestId", requestId, "records", records.size(), "events", published);
        return null;
    }

    private boolean flush(List<DomainEvent> events, String requestId, Instant deadline) {
        try {
            publisher.publish(List.copyOf(events), deadline);
            events.forEach(e -> log.info("event published", "requestId", requestId, "detailType", e.detailType(),
                    "eventId", e.detail().path("eventId").asText()));
            return true;
        } catch (RuntimeException e) {
            log.error("events not published; records will be retried", "requestId", requestId, "events", events.size(),
                    "error", ErrorSummary.of(e));
            return false;
        }
    }

    /** The records of a DynamoDB stream event (Lambda's JSON: {@code Records[].dynamodb.{NewImage,OldImage,SequenceNumber}}). */
    public static List<StreamRecord> records(JsonNode event) {
        List<StreamRecord> records = new ArrayList<>();
        for (JsonNode record : event.path("Records")) {
            JsonNode dynamodb = record.path("dynamodb");
            long created = dynamodb.path("ApproximateCreationDateTime").asLong(0);
            records.add(new StreamRecord(record.path("eventID").asText(""), dynamodb.path("SequenceNumber").asText(""),
                    image(dynamodb.path("OldImage")), image(dynamodb.path("NewImage")),
                    // seconds in Lambda's events; DynamoDB Local and the Streams API give the same unit
                    Instant.ofEpochSecond(created)));
        }
        return records;
    }

    /** An image in DynamoDB's JSON ({@code {"S": ...}}, {@code {"N": ...}}, ...) as SDK attribute values. */
    static Map<String, AttributeValue> image(JsonNode image) {
        Map<String, AttributeValue> attributes = new HashMap<>();
        image.properties().forEach(e -> attributes.put(e.getKey(), value(e.getValue())));
        return attributes;
    }

    private static AttributeValue value(JsonNode node) {
        if (node.has("S")) {
            return AttributeValue.fromS(node.get("S").asText());
        }
        if (node.has("N")) {
            return AttributeValue.fromN(node.get("N").asText());
        }
        if (node.has("BOOL")) {
            return AttributeValue.fromBool(node.get("BOOL").asBoolean());
        }
        if (node.has("NULL")) {
            return AttributeValue.fromNul(true);
        }
        if (node.has("M")) {
            return AttributeValue.fromM(image(node.get("M")));
        }
        if (node.has("L")) {
            List<AttributeValue> list = new ArrayList<>();
            node.get("L").forEach(v -> list.add(value(v)));
            return AttributeValue.fromL(list);
        }
        if (node.has("SS")) {
            List<String> set = new ArrayList<>();
            node.get("SS").forEach(v -> set.add(v.asText()));
            return AttributeValue.fromSs(set);
        }
        if (node.has("NS")) {
            List<String> set = new ArrayList<>();
            node.get("NS").forEach(v -> set.add(v.asText()));
            return AttributeValue.fromNs(set);
        }
        if (node.has("B")) {
            return AttributeValue.fromB(SdkBytes.fromByteArray(Base64.getDecoder().decode(node.get("B").asText())));
        }
        return AttributeValue.fromNul(true); // a type this code never writes
    }
}
