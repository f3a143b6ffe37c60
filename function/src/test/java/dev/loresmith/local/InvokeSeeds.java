package dev.loresmith.local;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitSettings;
import dev.loresmith.content.ContentId;
import dev.loresmith.content.ContentKey;
import dev.loresmith.content.ContentRequest;
import dev.loresmith.content.ContentType;
import dev.loresmith.content.InvalidRequest;
import dev.loresmith.content.RequestMessages;
import dev.loresmith.content.RequestParser;
import dev.loresmith.generate.FallbackReason;
import dev.loresmith.generate.RequeuePolicy;
import dev.loresmith.handler.DeadLetterHandler;
import dev.loresmith.handler.Wiring;
import dev.loresmith.item.Claim;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.item.FollowUp;
import dev.loresmith.llm.Provider;
import dev.loresmith.storage.ContentStore;
import dev.loresmith.testing.Circuits;
import dev.loresmith.testing.LambdaEvents;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a one-shot {@code invoke} writes before it runs a function, so that the sample events show what they are for
 * rather than what empty tables answer: the item a GET reads, the opening a reset ends, an upgrade a sweep finds, the
 * dead letter a replay re-sends, the pending items the dead-letter function closes. Each is derived from the event
 * (its key, its generation), written through the functions' own paths where one exists, written only when missing,
 * and named in a {@code seeded:} line.
 */
final class InvokeSeeds {

    private static final String SEEDER = "local-invoke-seed";

    private final LocalRunner runner;
    private final ContentStore contents;

    InvokeSeeds(LocalRunner runner) {
        this.runner = runner;
        this.contents = runner.tables().contents();
    }

    /** Seeds what {@code event} expects when given to {@code function}; returns one line per thing seeded. */
    List<String> seed(String function, JsonNode event) {
        return switch (function) {
            case "ApiFunction" -> itemToRead(event);
            case "ResetFunction" -> openingToReset(event);
            case "SweepFunction" -> "replay-dead-letters".equals(event.path("action").asText()) ? deadLetterToReplay() : upgradeDue();
            case "DeadLetterFunction" -> pendingItems(event);
            default -> List.of();
        };
    }

    /** A GET of an item nobody requested answers 404: request it first, through the queue, as a game would have. */
    private List<String> itemToRead(JsonNode event) {
        String[] path = event.path("rawPath").asText().replaceAll("^/+", "").split("/", -1);
        if (!event.path("requestContext").path("http").path("method").asText().equals("GET") || path.length != 3 || !path[0].equals("content")) {
            return List.of();
        }
        Optional<ContentKey> key = key(path[1], path[2]);
        if (key.isEmpty() || contents.find(key.get()).isPresent()) {
            return List.of();
        }
        runner.queue().send(RequestMessages.of(key.get(), null), Claim.Kind.REQUEST, runner.clock().instant());
        runner.awaitQueueIdle();
        ContentItem item = contents.find(key.get()).orElseThrow();
        return List.of(key.get() + " requested first, through the generate queue (now " + item.status().wireName() + ", "
                + item.model() + "): fresh tables hold no item to read");
    }

    /**
     * A reset ends the opening of its generation: open that provider's circuit (the event's {@code provider}, else
     * Anthropic's, as the reset function reads it) at that generation, as long ago as the reset waits.
     */
    private List<String> openingToReset(JsonNode event) {
        JsonNode given = event.path("generation");
        if (!given.canConvertToLong() || !given.isIntegralNumber() || given.asLong() < 1) {
            return List.of();
        }
        Optional<Provider> provider = event.has("provider") ? Provider.fromWireName(event.path("provider").asText()) : Optional.of(Provider.ANTHROPIC);
        if (provider.isEmpty()) {
            return List.of();
        }
        long generation = given.asLong();
        CircuitRecord current = runner.tables().circuits().circuit(provider.get());
        if (current.generation() >= generation) {
            return List.of();
        }
        Duration waited = CircuitSettings.DEFAULTS.resetAfter();
        runner.tables().circuits().replace(provider.get(), current,
                Circuits.open(runner.clock().instant().minus(waited), generation, current.version() + 1));
        return List.of(provider.get() + "'s circuit open at generation " + generation + " since " + waited.toMinutes()
                + " minutes ago: the opening whose scheduled reset this event is");
    }

    /** An item serving an upgradeable fallback, its upgrade due now: what an outage leaves for the sweep. */
    private List<String> upgradeDue() {
        ContentType type = firstType();
        ContentKey key = new ContentKey(type.name(), ContentId.parse("1"));
        if (contents.find(key).isPresent()) {
            return List.of();
        }
        Instant now = runner.clock().instant();
        Claim claim = contents.claim(key, Claim.Kind.REQUEST, now, SEEDER, now, now.plusSeconds(60), null,
                now.plus(RequeuePolicy.DEFAULTS.afterClaim()));
        ContentItem fallback = claim.item().finished(ContentStatus.FAILED, type.fallbackFor(key.contentId()),
                FallbackReason.CIRCUIT_OPEN.model(), now).withFollowUp(new FollowUp(FollowUp.Kind.UPGRADE, now));
        contents.finish(fallback, SEEDER, List.of());
        return List.of(key + " serving its " + FallbackReason.CIRCUIT_OPEN.code() + " fallback, its upgrade due now (as an outage leaves it)");
    }

    /** A dead-lettered item marked for replay: a request whose message died, through the dead-letter function itself. */
    private List<String> deadLetterToReplay() {
        ContentKey key = new ContentKey(firstType().name(), ContentId.parse("1"));
        if (contents.find(key).isPresent()) {
            return List.of();
        }
        Instant now = runner.clock().instant();
        contents.request(key, now, null, now.plus(RequeuePolicy.DEFAULTS.afterRequest()));
        SQSEvent dead = new SQSEvent();
        dead.setRecords(List.of(LambdaEvents.sqsMessage(RequestMessages.of(key, null), Claim.Kind.REQUEST)));
        new DeadLetterHandler(Wiring.deadLetter(runner.outside())).handleRequest(dead, new LocalContext("DeadLetterFunction", 30));
        ContentItem item = contents.find(key).orElseThrow();
        return List.of(key + " requested, its message dead-lettered (now " + item.status().wireName() + ", " + item.model()
                + ", marked for replay)");
    }

    /** The dead-letter function closes items still pending: each message's item, pending as its request left it. */
    private List<String> pendingItems(JsonNode event) {
        List<String> seeded = new ArrayList<>();
        RequestParser parser = new RequestParser(runner.types());
        Instant now = runner.clock().instant();
        for (JsonNode record : event.path("Records")) {
            ContentRequest request;
            try {
                request = parser.parse(record.path("body").asText());
            } catch (InvalidRequest e) {
                continue; // a malformed dead message: the function logs and drops it
            }
            ContentKey key = new ContentKey(request.type().name(), request.id());
            if (contents.find(key).isEmpty()) {
                contents.request(key, now, null, now.plus(RequeuePolicy.DEFAULTS.afterRequest()));
                seeded.add(key + " pending, as a request whose message died leaves it");
            }
        }
        return seeded;
    }

    private ContentType firstType() {
        return runner.types().find(runner.types().names().iterator().next()).orElseThrow();
    }

    private Optional<ContentKey> key(String type, String id) {
        if (runner.types().find(type).isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ContentKey(type, ContentId.parse(id)));
        } catch (RuntimeException e) {
            return Optional.empty(); // not an id: the function answers 400, as it should
        }
    }
}
