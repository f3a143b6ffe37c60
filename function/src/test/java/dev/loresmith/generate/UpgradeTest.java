package dev.loresmith.generate;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitState;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.content.ContentId;
import dev.loresmith.content.ContentType;
import dev.loresmith.content.ShapeCheck;
import dev.loresmith.handler.ApiHandler;
import dev.loresmith.testing.Template;
import dev.loresmith.testing.TestJson;
import dev.loresmith.content.ContentRequest;
import dev.loresmith.content.ContentTypes;
import dev.loresmith.handler.SqsGenerateHandler;
import dev.loresmith.handler.Wiring;
import dev.loresmith.item.Claim;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.item.FollowUp;
import dev.loresmith.testing.Circuits;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FakeContext;
import dev.loresmith.testing.FlowHarness;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.LambdaEvents;
import dev.loresmith.testing.RecordingQueue;
import dev.loresmith.testing.SecretWatch;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import dev.loresmith.llm.LlmReply;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fallback now, real text later: transient fallbacks are regenerated once the provider is healthy, and only those. */
class UpgradeTest extends FlowTest {

    static final String QUEST = "quest_description";

    FollowUpSweep sweep() {
        return Wiring.sweep(h.outside()).sweep();
    }

    /** The generate queue worked as SQS and Lambda would: every message sent so far, delivered once. */
    void deliverQueued() {
        SqsGenerateHandler handler = new SqsGenerateHandler(Wiring.generate(h.outside()));
        for (RecordingQueue.Sent sent : h.queue.sent().subList(delivered, h.queue.sent().size())) {
            SQSEvent event = new SQSEvent();
            event.setRecords(List.of(sent.toSqsMessage()));
            handler.handleRequest(event, FakeContext.withSeconds(45));
            delivered++;
        }
    }

    int delivered;

    @Test
    @DisplayName("an outage: fallbacks at once; after the reset one upgrade probes and closes the circuit, then every transient one is upgraded, once each")
    void outageStory() {
        anthropic.replies(FakeAnthropic.QUEST_JSON, "refusal");
        h.generate(QUEST, 99); // a refusal: not transient, never upgraded
        anthropic.failsWith(500);
        for (int id = 1; id <= 6; id++) {
            h.generate(QUEST, id); // 1-3 fail and open the circuit; 4-6 fall back circuit_open without a call
        }
        assertEquals(CircuitState.OPEN, h.circuitRecord().state());
        assertEquals(List.of("api_error_500", "api_error_500", "api_error_500", "circuit_open", "circuit_open", "circuit_open"),
                List.of(1, 2, 3, 4, 5, 6).stream().map(id -> h.item(QUEST, id).fallbackReason().orElseThrow()).toList());

        assertEquals("anthropic circuit open", sweep().upgrade().skipped(), "never while the circuit is open");
        h.clock.advance(Duration.ofMinutes(5));
        h.reset().reset(dev.loresmith.llm.Provider.ANTHROPIC, 1);
        anthropic.replies(FakeAnthropic.QUEST_JSON);

        FollowUpSweep.Result probe = sweep().upgrade();
        assertEquals(1, probe.enqueued(), "half-open: one upgrade, which is the probe");
        deliverQueued();
        assertEquals(CircuitState.CLOSED, h.circuitRecord().state(), "the upgrade's success closed the circuit");
        FollowUpSweep.Result rest = sweep().upgrade();
        assertEquals(5, rest.enqueued());
        deliverQueued();

        for (int id = 1; id <= 6; id++) {
            ContentItem item = h.item(QUEST, id);
            assertEquals(ContentStatus.READY, item.status(), "item " + id);
            assertEquals(id <= 3 ? "api_error_500" : "circuit_open", item.upgradedFrom());
            assertEquals(1, item.attempts());
            assertNull(item.followUp());
        }
        assertEquals(6, anthropic.requestCount(), "one call per upgraded item");
        ContentItem refused = h.item(QUEST, 99);
        assertEquals("fallback:refused", refused.model());
        assertNull(refused.followUp());
        assertEquals(0, sweep().upgrade().enqueued(), "nothing left to upgrade");
    }

    @Test
    @DisplayName("an upgrade that fails leaves the fallback as it was — failed, same text, model and time — and tries again later")
    void failedUpgradeKeepsFallback() {
        anthropic.failsWith(503);
        h.generate(QUEST, 1);
        ContentItem before = h.item(QUEST, 1);
        h.clock.advance(Duration.ofMinutes(1));

        Outcome outcome = h.upgrade(QUEST, 1);

        ContentItem after = h.item(QUEST, 1);
        assertTrue(((Outcome.Fallback) outcome).kept());
        assertEquals(ContentStatus.FAILED, after.status());
        assertEquals(before.text(), after.text());
        assertEquals(before.model(), after.model());
        assertEquals(before.generatedAt(), after.generatedAt());
        assertEquals("api_error_503", after.lastFailure());
        assertEquals(1, after.attempts());
        assertEquals(h.now().plus(Duration.ofMinutes(5)), after.followUp().at(), "backoff: 1 min, then 5, then 25");
    }

    @Test
    @DisplayName("at most 3 upgrade attempts per item in 24 h: after the third, the next waits for the window to pass")
    void attemptsBounded() {
        anthropic.failsWith(500);
        h.generate(QUEST, 1);
        Instant firstAttempt = h.item(QUEST, 1).followUp().at();
        for (int attempt = 1; attempt <= 3; attempt++) {
            h.clock.set(h.item(QUEST, 1).followUp().at());
            h.clock.advance(Duration.ofMinutes(1)); // failures a minute apart never reopen... keep the circuit closed
            h.circuitIs(Circuits.closed(List.of(), 0, h.circuitRecord().version()));
            h.upgrade(QUEST, 1);
        }
        ContentItem item = h.item(QUEST, 1);
        assertEquals(3, item.attempts());
        assertEquals(firstAttempt.plus(Duration.ofMinutes(1)).plus(Duration.ofHours(24)), item.followUp().at());

        Outcome early = h.upgrade(QUEST, 1);
        assertInstanceOf(Outcome.Duplicate.class, early, "not due: no fourth attempt inside the window");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"budget_exhausted", "no_config", "api_error_400", "refused", "truncated"})
    @DisplayName("an upgrade that meets a reason that does not pass keeps the transient fallback's upgrade owed: tried again later, and done")
    void keptFallbackStillOwed(String met) {
        anthropic.failsWith(503);
        h.generate(QUEST, 1);
        h.clock.advance(Duration.ofMinutes(1));
        switch (met) {
            case "budget_exhausted" -> h.stackItem(Map.of("tokenBudget", AttributeValue.fromN("0"))); // spent: the day's budget
            case "no_config" -> h.withApiKey(""); // blank for a moment, during a rotation
            case "api_error_400" -> anthropic.answersRaw(400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"bad model\"}}");
            case "refused" -> anthropic.replies(FakeAnthropic.QUEST_JSON, "refusal");
            default -> anthropic.replies(FakeAnthropic.QUEST_JSON, "max_tokens");
        }

        h.upgrade(QUEST, 1);

        ContentItem kept = h.item(QUEST, 1);
        assertEquals("fallback:api_error_503", kept.model(), "the fallback it keeps");
        assertEquals(met, kept.lastFailure());
        assertEquals(FollowUp.Kind.UPGRADE, kept.followUp() == null ? null : kept.followUp().kind(), "still owed: its fallback is transient");
        assertEquals(h.now().plus(Duration.ofMinutes(5)), kept.followUp().at(), "the usual back-off");

        h.clock.set(kept.followUp().at());
        h.stackItem(Map.of("tokenBudget", AttributeValue.fromN("100000000")));
        h.withApiKey(SecretWatch.API_KEY);
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        h.upgrade(QUEST, 1);
        assertEquals(ContentStatus.READY, h.item(QUEST, 1).status());
        assertEquals("api_error_503", h.item(QUEST, 1).upgradedFrom());
    }

    @Test
    @DisplayName("a re-request of an item whose fallback is not upgraded (refused) that meets an outage is upgraded later: it asked for new text")
    void reRequestDuringOutageOwed() {
        anthropic.replies(FakeAnthropic.QUEST_JSON, "refusal");
        h.generate(QUEST, 1);
        assertNull(h.item(QUEST, 1).followUp());
        anthropic.failsWith(503);

        h.generate(QUEST, 1);

        assertEquals("fallback:refused", h.item(QUEST, 1).model());
        assertEquals(FollowUp.Kind.UPGRADE, h.item(QUEST, 1).followUp().kind());
    }

    @Test
    @DisplayName("an upgrade whose write fails after every call is not a loop: after 3 unfinished attempts no call for a day; after 7 days none at all")
    void unfinishedUpgradesBounded() {
        anthropic.failsWith(503);
        h.generate(QUEST, 1);
        h.circuitIs(Circuits.closed(List.of(), 0, h.circuitRecord().version() + 1)); // a success moves nothing: the finish is one UpdateItem
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        // every call's result then fails to be written (DynamoDB refusing what it was sent, say): the upgrade never finishes
        h.withCalls((transport, plan) -> {
            LlmReply reply = transport.send(plan);
            h.dynamoFaults.failNext(UpdateItemRequest.class, 1, () -> DynamoDbException.builder().message("injected").statusCode(400).build());
            return reply;
        });

        for (int claim = 1; claim <= 4; claim++) {
            h.clock.set(h.item(QUEST, 1).followUp().at().plusSeconds(1));
            try {
                h.upgrade(QUEST, 1);
            } catch (DynamoDbException e) {
                // the write after the call failed: the message is retried, and the item's follow-up comes due after the lease
            }
        }

        assertEquals(3, anthropic.requestCount(), "three unfinished attempts, then no call");
        ContentItem held = h.item(QUEST, 1);
        assertEquals("fallback:api_error_503", held.model(), "the fallback stays");
        assertTrue(held.followUp().at().isAfter(h.now().plus(Duration.ofHours(23))), "tried again after a day: " + held.followUp());

        for (int claim = 0; claim < 100 && h.item(QUEST, 1).followUp() != null; claim++) {
            h.clock.set(h.item(QUEST, 1).followUp().at().plusSeconds(1));
            try {
                h.upgrade(QUEST, 1);
            } catch (DynamoDbException e) {
                // as above
            }
        }
        assertNull(h.item(QUEST, 1).followUp(), "given up after 7 days, whatever became of the attempts");
        assertTrue(anthropic.requestCount() <= 3 * 8, "at most 3 calls a day for the 7 days: " + anthropic.requestCount());
        assertTrue(h.now().isBefore(h.item(QUEST, 1).generatedAt().plus(Duration.ofDays(9))), "and no later");
    }

    @Test
    @DisplayName("invalid_json is upgraded once: a prompt that produced garbage is tried again, not hammered")
    void invalidJsonOnce() {
        anthropic.replies("no json here");
        h.generate(QUEST, 1);
        assertEquals(FollowUp.Kind.UPGRADE, h.item(QUEST, 1).followUp().kind());
        h.clock.advance(Duration.ofMinutes(1));

        h.upgrade(QUEST, 1);

        assertNull(h.item(QUEST, 1).followUp(), "given up after its one upgrade");
        assertEquals("invalid_json", h.item(QUEST, 1).lastFailure());
    }

    @Test
    @DisplayName("a rate_limited fallback is upgraded after the throttle lifts, not before")
    void afterTheThrottle() {
        anthropic.answers(429, Map.of("retry-after", "120"), "{}");
        h.generate(QUEST, 1);
        assertEquals(h.now().plusSeconds(120), h.item(QUEST, 1).followUp().at());
        h.clock.advance(Duration.ofSeconds(100));
        assertEquals("anthropic throttled", sweep().upgrade().skipped());

        h.clock.advance(Duration.ofSeconds(21));
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        assertEquals(1, sweep().upgrade().enqueued());
        deliverQueued();
        assertEquals("rate_limited", h.item(QUEST, 1).upgradedFrom());
    }

    @Test
    @DisplayName("upgrades yield to fresh requests: a sweep sends at most 50 less what already waits in the queue")
    void yieldsToFreshRequests() {
        anthropic.failsWith(500);
        for (int id = 1; id <= 2; id++) {
            h.generate(QUEST, id);
            h.clock.advance(Duration.ofSeconds(61));
        }
        h.clock.advance(Duration.ofMinutes(2));
        for (int i = 0; i < 49; i++) {
            h.queue.send("{\"contentType\":\"quest_description\",\"contentId\":" + (1000 + i) + "}", Claim.Kind.REQUEST, h.now());
        }

        assertEquals(1, sweep().upgrade().enqueued(), "room for one");
        h.queue.send("{}", Claim.Kind.REQUEST, h.now());
        assertEquals("queue_busy", sweep().upgrade().skipped());
    }

    @Test
    @DisplayName("two deliveries of one upgrade make one call: the second finds it leased or no longer due")
    void upgradeOnceAtATime() {
        anthropic.failsWith(500);
        h.generate(QUEST, 1);
        h.clock.advance(Duration.ofMinutes(1));
        anthropic.replies(FakeAnthropic.QUEST_JSON);

        h.upgrade(QUEST, 1);
        Outcome again = h.upgrade(QUEST, 1);

        assertInstanceOf(Outcome.Duplicate.class, again);
        assertEquals(1, anthropic.requestCount());
    }

    @Test
    @DisplayName("fallbacks for reasons that are not transient are never upgraded")
    void notTransient() {
        h.withApiKey(null);
        h.generate(QUEST, 1); // no_config
        h.withApiKey(SecretWatch.API_KEY);
        anthropic.replies(FakeAnthropic.QUEST_JSON, "max_tokens");
        h.generate(QUEST, 2); // truncated
        anthropic.answersRaw(401, "{}");
        h.generate(QUEST, 3); // api_error_401: a 4xx is not transient

        for (int id = 1; id <= 3; id++) {
            assertNull(h.item(QUEST, id).followUp(), h.item(QUEST, id).model());
        }
    }

    @Test
    @DisplayName("a content type that opts out (\"upgrade\": false) keeps its fallback: some games never change text a player has seen")
    void optOut() {
        FlowHarness rumors = new FlowHarness(anthropic, aws, ContentTypes.fromResource("/content-types-test-only.json"));
        anthropic.failsWith(503);

        rumors.generate("npc_rumor", 1);

        assertEquals("fallback:api_error_503", rumors.item("npc_rumor", 1).model());
        assertNull(rumors.item("npc_rumor", 1).followUp());
    }

    @Test
    @DisplayName("a pending item nobody finished (its request's sender died before enqueuing) is put on the queue again")
    void stalledPendingRequeued() {
        h.contents.request(h.request(QUEST, "7", null).key(), h.now(), "{\"note\":\"x\"}", h.now().plus(Duration.ofMinutes(5)));
        assertEquals(0, sweep().requeueStalled(100).enqueued(), "not due yet");

        h.clock.advance(Duration.ofMinutes(5));
        assertEquals(1, sweep().requeueStalled(100).enqueued());
        assertEquals("{\"contentType\":\"quest_description\",\"contentId\":7,\"context\":{\"note\":\"x\"}}", h.queue.sent().get(0).body());
        assertEquals(0, sweep().requeueStalled(100).enqueued(), "not again while that message may still be on its way");

        anthropic.replies(FakeAnthropic.QUEST_JSON);
        deliverQueued();
        assertEquals(ContentStatus.READY, h.item(QUEST, 7).status());
        assertNull(h.item(QUEST, 7).followUp());
    }

    FollowUpSweep sweepWith(ContentTypes types, int maxPerSweep) {
        return new FollowUpSweep(h.contents, h.circuits, h.queue, types, h.circuit, maxPerSweep, GenerateSettings.DEFAULTS.requeue(), h.clock, h.logs.log(h.clock));
    }

    @Test
    @DisplayName("upgrades of a content type since removed are dropped, not sent (they could never be processed), and never block the others")
    void removedTypeDropped() {
        anthropic.failsWith(503);
        for (int id = 1; id <= 5; id++) {
            h.generate("event_consequence", id);
        }
        h.clock.advance(Duration.ofSeconds(1));
        h.generate(QUEST, 9);
        h.circuitIs(CircuitRecord.initial()); // those failures opened it; the provider is healthy again
        h.clock.advance(Duration.ofMinutes(2));
        FollowUpSweep sweep = sweepWith(ContentTypes.fromResource("/content-types-without-event-consequence.json"), 3);

        sweep.upgrade();
        sweep.upgrade();
        sweep.upgrade();

        assertEquals(List.of("quest_description"), h.queue.sent().stream().map(m -> m.json().path("contentType").asText()).distinct().toList(),
                "the registered type's upgrade is sent; none for the removed type");
        for (int id = 1; id <= 5; id++) {
            assertEquals(ContentStatus.FAILED, h.item("event_consequence", id).status(), "keeps its fallback");
            assertNull(h.item("event_consequence", id).followUp());
        }
    }

    @Test
    @DisplayName("a type that opts out (\"upgrade\": false) after its fallbacks were written: their upgrades are neither sent nor, if already queued, run")
    void optOutAfterTheFact() {
        anthropic.failsWith(503);
        h.generate(QUEST, 1);
        h.generate(QUEST, 2);
        ContentItem before = h.item(QUEST, 2);
        h.clock.advance(Duration.ofMinutes(2));
        ContentTypes optedOut = ContentTypes.fromResource("/content-types-quest-no-upgrade.json");
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        int calls = anthropic.requestCount();

        assertEquals(0, sweepWith(optedOut, 50).upgrade().enqueued());
        assertNull(h.item(QUEST, 1).followUp());
        // an upgrade message sent before the deploy, received after it
        Outcome late = h.flow().generate(new ContentRequest(optedOut.find(QUEST).orElseThrow(),
                ContentId.parse("2"), null), Claim.Kind.UPGRADE, h.now().plusSeconds(40));

        assertInstanceOf(Outcome.Duplicate.class, late);
        assertEquals(calls, anthropic.requestCount(), "no call");
        assertEquals(before.text(), h.item(QUEST, 2).text(), "the text a player may have seen stays");
        assertEquals("fallback:api_error_503", h.item(QUEST, 2).model());
        assertNull(h.item(QUEST, 2).followUp());
    }

    @Test
    @DisplayName("a pending item of a content type since removed is closed failed (an empty document), not left pending")
    void pendingOfRemovedTypeClosed() {
        h.contents.request(h.request("event_consequence", "7", null).key(), h.now(), null, h.now().plus(Duration.ofMinutes(5)));
        h.clock.advance(Duration.ofMinutes(5));

        assertEquals(0, sweepWith(ContentTypes.fromResource("/content-types-without-event-consequence.json"), 50).requeueStalled(100).enqueued());

        ContentItem item = h.item("event_consequence", 7);
        assertEquals(ContentStatus.FAILED, item.status());
        assertEquals("fallback:dead_letter", item.model());
        assertEquals("{}", item.text());
        assertEquals(FollowUp.Kind.REPLAY, item.followUp().kind(), "marked for replay, like every dead_letter fallback");
        assertTrue(h.queue.sent().isEmpty());
    }

    @Test
    @DisplayName("once a removed type returns, its items closed with {} hold text of its shape again: the API shows its fallback, a request that falls back writes it, the replay generates")
    void removedTypeReturns() {
        ContentTypes without = ContentTypes.fromResource("/content-types-without-event-consequence.json");
        for (String id : List.of("7", "8")) {
            h.contents.request(h.request("event_consequence", id, null).key(), h.now(), null, h.now().plus(Duration.ofMinutes(5)));
        }
        h.clock.advance(Duration.ofMinutes(5));
        sweepWith(without, 50).requeueStalled(100);
        assertEquals("{}", h.item("event_consequence", 7).text());
        ContentType back = h.types.find("event_consequence").orElseThrow(); // the type is registered again

        APIGatewayV2HTTPEvent get = LambdaEvents.read(APIGatewayV2HTTPEvent.class, Template.repositoryRoot().resolve("events/api-get.json"));
        get.setRawPath("/content/event_consequence/7");
        JsonNode shown = TestJson.parse(new ApiHandler(Wiring.api(h.outside())).handleRequest(get, FakeContext.withSeconds(29)).getBody());
        assertEquals(ShapeCheck.Conforms.class, back.check(shown.path("content")).getClass(), "the API shows a document of its shape: " + shown);
        assertEquals("fallback:dead_letter", shown.path("model").asText());

        anthropic.failsWith(503);
        h.generate("event_consequence", 7); // asked again, during an outage
        assertEquals(back.fallbackFor(ContentId.parse("7")), h.item("event_consequence", 7).text(), "the fallback of its type, not {}");

        anthropic.repliesForEachType();
        assertEquals(1, sweep().replayDeadLetters(10).enqueued());
        deliverQueued();
        assertEquals(ContentStatus.READY, h.item("event_consequence", 8).status(), "the replay generates it");
    }

    void deliver(RecordingQueue.Sent sent) {
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(sent.toSqsMessage()));
        new SqsGenerateHandler(Wiring.generate(h.outside())).handleRequest(event, FakeContext.withSeconds(45));
    }

    @Test
    @DisplayName("a late first message that arrives after its requeue finished the item with a fallback makes no second call")
    void lateOriginalAfterRequeueNoSecondCall() {
        h.contents.request(h.request(QUEST, "7", null).key(), h.now(), null, h.now().plus(Duration.ofMinutes(5)));
        h.queue.send("{\"contentType\":\"quest_description\",\"contentId\":7}", Claim.Kind.REQUEST, h.now()); // stuck in a backlog
        h.clock.advance(Duration.ofMinutes(5));
        assertEquals(1, sweep().requeueStalled(100).enqueued());
        anthropic.failsWith(503);

        h.clock.advance(Duration.ofSeconds(10));
        deliver(h.queue.sent().get(1)); // the requeue overtakes it (standard SQS keeps no order): a fallback
        assertEquals("fallback:api_error_503", h.item(QUEST, 7).model());
        h.clock.advance(Duration.ofSeconds(10));
        deliver(h.queue.sent().get(0)); // then the original, older than the attempt that finished the item

        assertEquals(1, anthropic.requestCount(), "the late original asks for nothing that attempt did not do");
        assertEquals("fallback:api_error_503", h.item(QUEST, 7).model());
        assertEquals(FollowUp.Kind.UPGRADE, h.item(QUEST, 7).followUp().kind(), "the fallback is upgraded later, as usual");
    }

    @Test
    @DisplayName("a request made after the attempt that finished the item (a player asking again) is served: it calls")
    void newerRequestCalls() {
        anthropic.failsWith(503);
        h.generate(QUEST, 7);
        h.clock.advance(Duration.ofSeconds(30));
        h.queue.send("{\"contentType\":\"quest_description\",\"contentId\":7}", Claim.Kind.REQUEST, h.now());
        anthropic.replies(FakeAnthropic.QUEST_JSON);

        deliver(h.queue.sent().get(0));

        assertEquals(ContentStatus.READY, h.item(QUEST, 7).status());
    }

    @Test
    @DisplayName("a message without requestedAt (a game's, or one sent before it existed) is dated by SQS's SentTimestamp; with neither, it claims as before")
    void backwardCompatible() {
        anthropic.failsWith(503);
        Instant sent = h.now();
        h.clock.advance(Duration.ofSeconds(5));
        h.generate(QUEST, 7); // an attempt claimed after the message was sent
        int calls = anthropic.requestCount();

        SQSEvent.SQSMessage old = LambdaEvents.sqsMessage("{\"contentType\":\"quest_description\",\"contentId\":7}", Claim.Kind.REQUEST);
        old.setAttributes(Map.of("SentTimestamp", Long.toString(sent.toEpochMilli())));
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(old));
        new SqsGenerateHandler(Wiring.generate(h.outside())).handleRequest(event, FakeContext.withSeconds(45));
        assertEquals(calls, anthropic.requestCount(), "SentTimestamp: older than the attempt, nothing to do");

        old.setAttributes(null);
        new SqsGenerateHandler(Wiring.generate(h.outside())).handleRequest(event, FakeContext.withSeconds(45));
        assertEquals(calls + 1, anthropic.requestCount(), "no date at all: a request, as messages always were");
    }

    @Test
    @DisplayName("a requeued item's message finds it finished by its first message (a backlog, not a loss): no second call")
    void requeueAfterBacklogNoSecondCall() {
        h.contents.request(h.request(QUEST, "7", null).key(), h.now(), null, h.now().plus(Duration.ofMinutes(5)));
        h.queue.send("{\"contentType\":\"quest_description\",\"contentId\":7}", Claim.Kind.REQUEST, h.now()); // the first message, stuck in a backlog
        h.clock.advance(Duration.ofMinutes(5));
        assertEquals(1, sweep().requeueStalled(100).enqueued());
        assertEquals(Claim.Kind.REQUEUE, h.queue.sent().get(1).kind());
        anthropic.failsWith(503);

        deliverQueued(); // the first message: a fallback; then the requeued one

        assertEquals(1, anthropic.requestCount(), "the requeued message found the item done");
        assertEquals("fallback:api_error_503", h.item(QUEST, 7).model());
    }
}
