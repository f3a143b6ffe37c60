package dev.loresmith.testing;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import dev.loresmith.item.Claim;
import dev.loresmith.queue.RequestQueue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Lambda event JSON ↔ event objects, with the serializers the Lambda runtime itself uses. Loaded through
 * this class's own class loader — not the system class loader, which under {@code mvn exec:java} is Maven's
 * and does not see the event classes (the way aws-lambda-java-tests' EventLoader fails there).
 */
public final class LambdaEvents {

    private LambdaEvents() {
    }

    /** A message as Lambda's SQS event carries it: a fresh id, the body, and the kind attribute an upgrade has. */
    public static SQSEvent.SQSMessage sqsMessage(String body, Claim.Kind kind) {
        SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
        message.setMessageId(UUID.randomUUID().toString());
        message.setBody(body);
        if (kind.attribute() != null) {
            message.setMessageAttributes(Map.of(RequestQueue.KIND_ATTRIBUTE, stringAttribute(kind.attribute())));
        }
        return message;
    }

    /** A message as our own senders send it: with the kind and when the request was made ({@code requestedAt}). */
    public static SQSEvent.SQSMessage sqsMessage(String body, Claim.Kind kind, Instant requestedAt) {
        SQSEvent.SQSMessage message = sqsMessage(body, kind);
        Map<String, SQSEvent.MessageAttribute> attributes = new HashMap<>();
        if (message.getMessageAttributes() != null) {
            attributes.putAll(message.getMessageAttributes());
        }
        attributes.put(RequestQueue.REQUESTED_AT_ATTRIBUTE, stringAttribute(requestedAt.toString()));
        message.setMessageAttributes(attributes);
        return message;
    }

    private static SQSEvent.MessageAttribute stringAttribute(String value) {
        SQSEvent.MessageAttribute attribute = new SQSEvent.MessageAttribute();
        attribute.setDataType("String");
        attribute.setStringValue(value);
        return attribute;
    }

    public static <T> T read(Class<T> type, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return serializer(type).fromJson(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read event " + file, e);
        }
    }

    public static <T> T read(Class<T> type, byte[] json) {
        return serializer(type).fromJson(new String(json, StandardCharsets.UTF_8));
    }

    @SuppressWarnings("unchecked")
    public static String write(Object value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ((PojoSerializer<Object>) serializer(value.getClass())).toJson(value, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static <T> PojoSerializer<T> serializer(Class<T> type) {
        return LambdaEventSerializers.serializerFor(type, LambdaEvents.class.getClassLoader());
    }
}
