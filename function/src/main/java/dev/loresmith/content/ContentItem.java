package dev.loresmith.content;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One content item as stored. {@code text} is always a JSON document of the type's shape once the
 * item is finished; {@code model} is the model id, or {@code fallback:<reason>}.
 *
 * @param text        null while pending
 * @param model       null while pending
 * @param generatedAt null while pending
 * @param leaseOwner  the worker generating it, null when none
 * @param leaseUntil  end of that worker's lease, null when none
 */
public record ContentItem(ContentKey key, ContentStatus status, String text, String model, Instant requestedAt,
                          Instant generatedAt, String leaseOwner, Instant leaseUntil) {

    public ContentItem {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(requestedAt, "requestedAt");
    }

    public ContentItem finished(ContentStatus finalStatus, String finalText, String finalModel, Instant at) {
        return new ContentItem(key, finalStatus, finalText, finalModel, requestedAt, at, null, null);
    }

    public Optional<String> textIfFinished() {
        return Optional.ofNullable(text);
    }
}
