package dev.loresmith.storage;

import dev.loresmith.item.ContentItem;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.Map;
import java.util.Optional;

/** The tables' items as their stream records carry them, read with the same layouts as the tables themselves. */
public final class StreamImages {

    private StreamImages() {
    }

    /** Whether an image (or key set) is of the content table. */
    public static boolean isContent(Map<String, AttributeValue> image) {
        return image.containsKey(ContentRow.PK);
    }

    /** Whether an image (or key set) is of the circuit/config table. */
    public static boolean isCircuit(Map<String, AttributeValue> image) {
        return image.containsKey(CircuitItem.PK);
    }

    /** A content item image; empty when absent or not readable as an item (a hand-edited status, say). */
    public static Optional<ContentItem> content(Map<String, AttributeValue> image) {
        if (image.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(ContentRow.toItem(image));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** A config item image, read tolerantly as every request reads it. */
    public static ProviderConfig config(Map<String, AttributeValue> image) {
        return CircuitItem.parse(image);
    }

    public static String provider(Map<String, AttributeValue> image) {
        AttributeValue value = image.get(CircuitItem.PK);
        return value == null ? "" : value.s();
    }
}
