package dev.loresmith.events;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Instant;
import java.util.Map;

/**
 * One DynamoDB stream record, as the stream handler reads it: the images before and after a write (either
 * may be empty: an insert has no old image, a delete no new one), and the sequence number Lambda checkpoints on.
 */
public record StreamRecord(String eventId, String sequenceNumber, Map<String, AttributeValue> oldImage,
                           Map<String, AttributeValue> newImage, Instant approximateCreation) {

    public StreamRecord {
        oldImage = oldImage == null ? Map.of() : Map.copyOf(oldImage);
        newImage = newImage == null ? Map.of() : Map.copyOf(newImage);
    }
}
