package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.loresmith.item.Claim;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.testing.Concurrently;
import dev.loresmith.testing.FakeContext;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.Template;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** At-least-once delivery and dying workers, through the SQS and dead-letter handlers, with an injected clock. */
class DeliveryTest extends FlowTest {


    static SQSEvent.SQSMessage message(String id, long contentId) {
        SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
        message.setMessageId(id);
        message.setBody("{\"contentType\":\"quest_description\",\"contentId\":" + contentId + "}");
        return message;
    }

    static SQSEvent batch(List<SQSEvent.SQSMessage> messages) {
        SQSEvent event = new SQSEvent();
        event.setRecords(messages);
        return event;
    }

    SQSBatchResponse deliver(SQSEvent event) {
        return new SqsGenerateHandler(Wiring.generate(h.outside())).handleRequest(event, FakeContext.withSeconds(45));
    }

    @Test
    @DisplayName("every message delivered twice in the same batch (concurrently): one API request per item")
    @Tag("concurrency")
    void duplicatesInOneBatch() {
        anthropic.repliesForEachTypeAfter(200);
        List<SQSEvent.SQSMessage> messages = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            messages.add(message("first-" + i, i));
            messages.add(message("again-" + i, i));
        }

        SQSBatchResponse response = deliver(batch(messages));

        assertEquals(5, anthropic.requestCount());
        for (int i = 0; i < 5; i++) {
            assertEquals(ContentStatus.READY, h.item("quest_description", i).status());
        }
        // The copies that found a live lease are kept for redelivery; redelivered, they find the item ready.
        List<SQSEvent.SQSMessage> retried = messages.stream().filter(m -> response.getBatchItemFailures().stream()
                .anyMatch(f -> f.getItemIdentifier().equals(m.getMessageId()))).toList();
        assertTrue(retried.size() <= 5);
        assertEquals(List.of(), deliver(batch(retried)).getBatchItemFailures());
        assertEquals(5, anthropic.requestCount());
    }

    @Test
    @DisplayName("every message delivered twice by two concurrent invocations: one API request per item")
    @Tag("concurrency")
    void duplicatesAcrossInvocations() throws Exception {
        anthropic.repliesForEachTypeAfter(200);
        List<SQSEvent.SQSMessage> copyA = new ArrayList<>();
        List<SQSEvent.SQSMessage> copyB = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            copyA.add(message("a-" + i, 100 + i));
            copyB.add(message("b-" + i, 100 + i));
        }

        Concurrently.run(2, i -> deliver(batch(i == 0 ? copyA : copyB)));
        deliver(batch(copyA)); // and once more, after both finished

        assertEquals(8, anthropic.requestCount());
    }

    @Test
    @DisplayName("a worker dies after claiming: the redelivery waits out its lease, then completes the item")
    void deadWorkerLeaseExpires() {
        anthropic.repliesForEachType();
        h.contents.claim(h.request("quest_description", "77", null).key(), Claim.Kind.REQUEST, null, "worker-that-died", h.now(), h.now().plus(Duration.ofMinutes(2)), null, h.now().plus(Duration.ofMinutes(20)));

        h.clock.advance(Duration.ofSeconds(30));
        SQSBatchResponse early = deliver(batch(List.of(message("m-77", 77))));
        assertEquals(1, early.getBatchItemFailures().size(), "kept for redelivery while the lease is live");
        assertEquals(0, anthropic.requestCount());
        assertEquals(ContentStatus.PENDING, h.item("quest_description", 77).status());

        h.clock.advance(Duration.ofSeconds(91)); // past the 2-minute lease
        SQSBatchResponse late = deliver(batch(List.of(message("m-77", 77))));

        assertEquals(List.of(), late.getBatchItemFailures());
        assertEquals(1, anthropic.requestCount());
        assertEquals(ContentStatus.READY, h.item("quest_description", 77).status());
    }

    @Test
    @DisplayName("a message that fails every receive the template allows (DynamoDB down) dead-letters; the dead-letter handler then gives its item the fallback")
    void lastReceiveDeadLetters() {
        int receives = Template.load().generateQueueMaxReceives();
        h.dynamoFaults.failNext(UpdateItemRequest.class, receives,
                () -> DynamoDbException.builder().message("injected").statusCode(500).build());
        for (int receive = 1; receive <= receives; receive++) {
            assertEquals(1, deliver(batch(List.of(message("m-78", 78)))).getBatchItemFailures().size());
            h.clock.advance(Duration.ofMinutes(5)); // the queue's visibility timeout
        }

        SQSBatchResponse dead = new DeadLetterHandler(Wiring.deadLetter(h.outside())).handleRequest(batch(List.of(message("m-78", 78))), FakeContext.withSeconds(30));

        assertEquals(List.of(), dead.getBatchItemFailures());
        assertEquals(ContentStatus.FAILED, h.item("quest_description", 78).status());
        assertEquals("fallback:dead_letter", h.item("quest_description", 78).model());
        assertEquals(0, anthropic.requestCount());
    }

    @Test
    @DisplayName("a message replayed from the dead-letter queue generates the item it had given up on")
    void replayAfterDeadLetter() {
        new DeadLetterHandler(Wiring.deadLetter(h.outside())).handleRequest(batch(List.of(message("m-79", 79))), FakeContext.withSeconds(30));
        assertEquals("fallback:dead_letter", h.item("quest_description", 79).model());
        anthropic.repliesForEachType();

        assertEquals(List.of(), deliver(batch(List.of(message("m-79", 79)))).getBatchItemFailures());

        assertEquals(ContentStatus.READY, h.item("quest_description", 79).status());
        assertEquals("dead_letter", h.item("quest_description", 79).upgradedFrom());
        assertEquals(1, anthropic.requestCount());
    }
}
