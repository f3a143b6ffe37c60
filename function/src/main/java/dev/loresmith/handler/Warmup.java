package dev.loresmith.handler;

import dev.loresmith.content.ContentId;
import dev.loresmith.content.ContentKey;
import dev.loresmith.content.ContentRequest;
import dev.loresmith.content.ContentTypes;
import dev.loresmith.content.RequestParser;
import dev.loresmith.generate.GenerateSettings;
import dev.loresmith.llm.MessagesPrompt;
import dev.loresmith.metrics.GenerationMetrics;
import dev.loresmith.storage.ContentStore;

import java.time.Clock;

/**
 * SnapStart priming's side-effect-free warm-ups: what a first request needs, done before the snapshot — never a write,
 * never a provider call, never the secret (a key must not live in a snapshot). Each handler runs only the reads its
 * role allows (the circuit/config item's warm-up is one consistent read of it).
 */
final class Warmup {

    private final ContentTypes types;
    private final ContentStore contents;
    private final Clock clock;

    Warmup(ContentTypes types, ContentStore contents, Clock clock) {
        this.types = types;
        this.contents = contents;
        this.clock = clock;
    }

    /**
     * The content path: the content types, the parser, prompt rendering, JSON, metrics, and one consistent read of the
     * content table.
     */
    void content() {
        RequestParser requests = new RequestParser(types);
        GenerationMetrics discard = new GenerationMetrics(line -> { }, clock);
        for (String name : types.names()) {
            ContentRequest request = requests.parse("{\"contentType\":\"" + name + "\",\"contentId\":0,\"context\":{\"warm\":\"up\"}}");
            MessagesPrompt.of(request.type(), request.context(), GenerateSettings.DEFAULT_MODEL, GenerateSettings.DEFAULT_MAX_TOKENS, true);
            discard.warmUp(name);
        }
        contents.find(new ContentKey(types.names().iterator().next(), ContentId.parse("0")));
    }
}
