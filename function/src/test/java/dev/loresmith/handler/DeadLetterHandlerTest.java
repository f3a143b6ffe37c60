package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.loresmith.generate.FollowUpSweep;
import dev.loresmith.item.Claim;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.item.FollowUp.Kind;
import dev.loresmith.testing.FakeContext;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.Template;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dead-letter handler on events/dead-letter.json: quest_description 4242, and a message naming an unknown type. */
class DeadLetterHandlerTest extends FlowTest {

    SQSEvent dead = SampleEvents.sqs("dead-letter.json");

    SQSBatchResponse invoke() {
        return new DeadLetterHandler(Wiring.deadLetter(h.outside())).handleRequest(dead, FakeContext.withSeconds(30));
    }

    @Test
    @DisplayName("an item left pending by a dead worker gets the dead_letter fallback, marked for replay; the unreadable message is logged and dropped")
    void pendingItem() {
        h.contents.claim(h.request("quest_description", "4242", null).key(), Claim.Kind.REQUEST, null, "dead-worker", h.now(), h.now().plusSeconds(120), null, h.now().plus(Duration.ofMinutes(20)));
        h.clock.advance(Duration.ofSeconds(121)); // the dead worker's lease has run out

        SQSBatchResponse response = invoke();

        assertTrue(response.getBatchItemFailures().isEmpty());
        assertEquals(ContentStatus.FAILED, h.item("quest_description", 4242).status());
        assertEquals("fallback:dead_letter", h.item("quest_description", 4242).model());
        assertEquals(h.types.find("quest_description").orElseThrow().fallbacks().get(2), h.item("quest_description", 4242).text());
        assertEquals(1, h.logs.withMessage("dead message unreadable; dropped").size());
        assertEquals("contentType", h.logs.withMessage("dead message unreadable; dropped").get(0).path("field").asText());
        assertEquals(Kind.REPLAY, h.item("quest_description", 4242).followUp().kind());
        assertEquals(2, h.emf.parsed().stream().filter(d -> d.path("DeadLetters").asInt() == 1).count(), "both dead messages counted for the alarm");
        assertEquals(1, h.emf.parsed().stream().filter(d -> d.path("Fallbacks").asInt() == 1 && "dead_letter".equals(d.path("Reason").asText())).count(),
                "the fallback it wrote counts toward the fallback ratio");
    }

    @Test
    @DisplayName("an item a live worker still holds is left alone: the dead message is kept for another try")
    void leasedItem() {
        h.contents.claim(h.request("quest_description", "4242", null).key(), Claim.Kind.REQUEST, null, "live-worker", h.now(), h.now().plusSeconds(120), null, h.now().plus(Duration.ofMinutes(20)));

        SQSBatchResponse response = invoke();

        assertEquals(1, response.getBatchItemFailures().size());
        assertEquals(ContentStatus.PENDING, h.item("quest_description", 4242).status());
        assertEquals("live-worker", h.item("quest_description", 4242).leaseOwner());
    }

    @Test
    @DisplayName("an item that already holds a fallback keeps it, and is marked for replay")
    void failedItem() {
        h.withApiKey(null);
        h.generate("quest_description", 4242);
        String text = h.item("quest_description", 4242).text();

        invoke();

        assertEquals("fallback:no_config", h.item("quest_description", 4242).model());
        assertEquals(text, h.item("quest_description", 4242).text());
        assertEquals(Kind.REPLAY, h.item("quest_description", 4242).followUp().kind());
    }

    @Test
    @DisplayName("an item holding a fallback whose every receive claimed it and died is marked for replay, and the replay finds it")
    void failedItemClaimedByEveryReceive() {
        h.withApiKey(null);
        h.generate("quest_description", 4242); // a fallback: no_config, nothing owed
        for (int receive = 1; receive <= Template.load().generateQueueMaxReceives(); receive++) {
            // each receive claims the item (the claim leaves a requeue follow-up) and dies before finishing it
            h.contents.claim(h.request("quest_description", "4242", null).key(), Claim.Kind.REQUEST, null, "dying-" + receive, h.now(),
                    h.now().plusSeconds(120), null, h.now().plus(Duration.ofMinutes(30)));
            h.clock.advance(Duration.ofMinutes(5));
        }

        invoke();

        assertEquals(Kind.REPLAY, h.item("quest_description", 4242).followUp().kind(), "marked for replay");
        assertEquals(1, h.emf.parsed().stream().filter(d -> "marked_for_replay".equals(d.path("Result").asText())).count(),
                h.emf.parsed().toString());
        h.clock.advance(Duration.ofHours(1));
        FollowUpSweep sweep = Wiring.sweep(h.outside()).sweep();
        sweep.requeueStalled(100);
        assertEquals(Kind.REPLAY, h.item("quest_description", 4242).followUp().kind(), "the sweep leaves the mark");
        assertEquals(1, sweep.replayDeadLetters(100).enqueued(), "the runbook's replay finds it");
    }

    @Test
    @DisplayName("an item that never got written is created with the dead_letter fallback")
    void missingItem() {
        invoke();

        assertEquals("fallback:dead_letter", h.item("quest_description", 4242).model());
    }

    @Test
    @DisplayName("an item that is already ready keeps its generated text")
    void readyItem() {
        anthropic.repliesForEachType();
        h.generate("quest_description", 4242);
        String text = h.item("quest_description", 4242).text();

        invoke();

        assertEquals(ContentStatus.READY, h.item("quest_description", 4242).status());
        assertEquals(text, h.item("quest_description", 4242).text());
    }
}
