package dev.loresmith.storage;

import dev.loresmith.item.ContentItem;
import dev.loresmith.llm.Provider;
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

    /** Whether an image (or key set) is a provider's item of the circuit/config table (not the stack item: it holds no circuit). */
    public static boolean isCircuit(Map<String, AttributeValue> image) {
        AttributeValue key = image.get(CircuitItem.PK);
        return key != null && key.s() != null && Provider.fromWireName(key.s()).isPresent();
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

    /** A provider's item image, read tolerantly as every request reads it. */
    public static ProviderConfig config(Map<String, AttributeValue> image) {
        return CircuitItem.parseProvider(image);
    }

    public static String provider(Map<String, AttributeValue> image) {
        AttributeValue value = image.get(CircuitItem.PK);
        return value == null ? "" : value.s();
    }
}
