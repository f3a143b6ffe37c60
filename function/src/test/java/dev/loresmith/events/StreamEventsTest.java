package dev.loresmith.events;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.circuit.ForcedState;
import dev.loresmith.generate.CircuitAdmin;
import dev.loresmith.handler.StreamEventsHandler;
import dev.loresmith.handler.Wiring;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.storage.ProviderConfig;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FakeContext;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.Template;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Events from the tables' streams: real stream records read from DynamoDB Local, mapped by the stream handler,
 * published to a recording bus. Every path that writes is seen; nothing else is announced.
 */
class StreamEventsTest extends FlowTest {

    List<DomainEvent> drain() {
        h.streams().drain();
        return h.published.events();
    }

    static JsonNode detail(DomainEvent event) {
        return event.detail();
    }

    @Test
    @DisplayName("an item that becomes ready is announced once, with its text; a fallback is not")
    void contentReady() {
        h.streams();
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        h.generate("quest_description", 1);
        anthropic.failsWith(503);
        h.generate("quest_description", 2);

        List<DomainEvent> events = drain();

        assertEquals(List.of("ContentReady"), h.published.types());
        JsonNode detail = detail(events.get(0));
        assertEquals("quest_description", detail.path("contentType").asText());
        assertEquals(1, detail.path("contentId").asLong());
        assertEquals("ready", detail.path("status").asText());
        assertEquals("claude-sonnet-4-5", detail.path("model").asText());
        assertEquals(TestJson.parse(FakeAnthropic.QUEST_JSON), TestJson.parse(detail.path("text").asText()));
        assertEquals(h.item("quest_description", 1).generatedAt().toString(), detail.path("generatedAt").asText());
        assertEquals("quest_description#1#" + h.item("quest_description", 1).generatedAt().toEpochMilli(), detail.path("eventId").asText());
        assertFalse(detail.has("upgradedFrom"));
    }

    @Test
    @DisplayName("in Lambda, the publisher may retry only until the invocation's remaining time less one call and the answer")
    void publishBoundedByTheInvocation() throws Exception {
        byte[] event = Files.readAllBytes(Template.repositoryRoot().resolve("events/stream-content.json"));

        new StreamEventsHandler(Wiring.streamEvents(h.outside())).handleRequest(new ByteArrayInputStream(event),
                new ByteArrayOutputStream(), FakeContext.withSeconds(60));

        assertEquals(List.of("ContentReady"), h.published.types());
        Duration left = Duration.between(h.clock.instant(), h.published.deadlines().get(0));
        assertEquals(Duration.ofSeconds(60).minus(EventBridgePublisher.CALL_TIME).minusSeconds(2), left);
        assertTrue(left.compareTo(Duration.ofSeconds(60)) < 0 && left.compareTo(Duration.ofSeconds(30)) > 0);
    }

    @Test
    @DisplayName("an upgrade is announced with the fallback reason it replaced; a failed upgrade is not announced at all")
    void upgradeAnnounced() {
        anthropic.failsWith(503);
        h.generate("quest_description", 1);
        h.streams();
        h.clock.advance(Duration.ofMinutes(1));
        h.upgrade("quest_description", 1); // fails again: the fallback stays
        assertEquals(List.of(), drain());

        anthropic.replies(FakeAnthropic.QUEST_JSON);
        h.clock.advance(Duration.ofMinutes(5));
        h.upgrade("quest_description", 1);

        List<DomainEvent> events = drain();
        assertEquals(List.of("ContentReady"), h.published.types());
        assertEquals("api_error_503", detail(events.get(0)).path("upgradedFrom").asText());
    }

    @Test
    @DisplayName("every transition of the circuit is announced once, whichever path made it: failures, reset, probe, operator")
    void circuitTransitions() {
        h.streams();
        anthropic.failsWith(500);
        for (int id = 1; id <= 3; id++) {
            h.generate("quest_description", id); // two counted failures (no event), then the opening
        }
        h.clock.advance(Duration.ofMinutes(5));
        h.reset().reset(dev.loresmith.llm.Provider.ANTHROPIC, 1);
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        h.generate("quest_description", 10); // the probe closes it
        CircuitAdmin admin = Wiring.circuitAdmin(h.outside()).admin();
        admin.force(dev.loresmith.llm.Provider.ANTHROPIC, ForcedState.OPEN, "ops");
        admin.force(dev.loresmith.llm.Provider.ANTHROPIC, ForcedState.NONE, "ops");

        List<DomainEvent> events = drain().stream().filter(e -> e.detailType().startsWith("Circuit")).toList();

        // Each table's stream is in order; the two tables' streams are not ordered against each other.
        assertEquals(List.of("CircuitOpened", "CircuitHalfOpen", "CircuitClosed", "CircuitOpened", "CircuitClosed"),
                events.stream().map(DomainEvent::detailType).toList());
        assertEquals(1, h.published.types().stream().filter("ContentReady"::equals).count(), "the probe's item");
        JsonNode opened = detail(events.get(0));
        assertEquals("anthropic", opened.path("provider").asText());
        assertEquals(1, opened.path("generation").asInt());
        assertEquals("failures", opened.path("reason").asText());
        assertEquals("reset", detail(events.get(1)).path("reason").asText());
        assertEquals("probe_succeeded", detail(events.get(2)).path("reason").asText());
        assertEquals("forced", detail(events.get(3)).path("reason").asText());
        assertEquals("forced_open", detail(events.get(3)).path("to").asText());
        assertEquals("released", detail(events.get(4)).path("reason").asText());
        assertEquals(events.size(), events.stream().map(e -> detail(e).path("eventId").asText()).distinct().count(), "ids are unique per change");
    }

    @Test
    @DisplayName("a probe a caller claims because the reset is overdue is announced as overdue, never as the scheduled reset")
    void overdueProbeAnnounced() {
        anthropic.failsWith(500);
        for (int id = 1; id <= 3; id++) {
            h.generate("quest_description", id);
        }
        h.streams();
        h.clock.advance(Duration.ofMinutes(7)); // the reset (due at 5 min) never ran
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        h.generate("quest_description", 10); // probes on its own, and closes it

        List<DomainEvent> events = drain().stream().filter(e -> e.detailType().startsWith("Circuit")).toList();

        assertEquals(List.of("CircuitHalfOpen", "CircuitClosed"), events.stream().map(DomainEvent::detailType).toList());
        assertEquals("overdue", detail(events.get(0)).path("reason").asText());
        assertEquals("open", detail(events.get(0)).path("from").asText());
        assertEquals("probe_succeeded", detail(events.get(1)).path("reason").asText());
    }

    @Test
    @DisplayName("a duplicate delivery after the item is ready writes nothing, so emits nothing: one ContentReady per text generated")
    void noDuplicateForRetriedWrite() {
        h.streams();
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        h.generate("quest_description", 1);
        h.generate("quest_description", 1);
        h.generate("quest_description", 1);

        assertEquals(List.of("ContentReady"), drain().stream().map(DomainEvent::detailType).toList());
        assertEquals(1, anthropic.requestCount());
    }

    @Test
    @DisplayName("when the bus refuses, the records are read again from the first unpublished one; the re-sent event keeps its id")
    void publishFailureRetried() {
        h.streams();
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        h.generate("quest_description", 1);
        h.published.refuseNext(1);

        h.streams().drain();
        assertEquals(List.of(), h.published.events(), "nothing published, and nothing skipped");
        h.streams().drain();

        assertEquals(List.of("ContentReady"), h.published.types());
        assertEquals(1, h.logs.withMessage("events not published; records will be retried").size());
    }

    @Test
    @DisplayName("the sample stream events map as documented (the same files sam local invoke takes)")
    void sampleEvents() throws Exception {
        for (String file : new String[] {"stream-content.json", "stream-circuit.json"}) {
            List<StreamRecord> records = StreamEventsHandler.records(
                    TestJson.parse(Files.readString(Template.repositoryRoot().resolve("events").resolve(file))));
            List<DomainEvent> events = records.stream().flatMap(r -> StreamEvents.of(r).stream()).toList();
            assertEquals(1, events.size(), file);
            assertTrue(List.of("ContentReady", "CircuitClosed").contains(events.get(0).detailType()));
        }
    }

    @Test
    @DisplayName("writes that change nothing a reader sees (a counted failure, a probe lease, a throttle, a budget count) emit nothing")
    void quietWrites() {
        h.streams();
        anthropic.failsWith(500);
        h.generate("quest_description", 1);
        h.circuits.throttleUntil(dev.loresmith.llm.Provider.ANTHROPIC, h.now().plusSeconds(10), "rate_limited", ProviderConfig.implausibleThrottleAfter(h.now()));
        h.circuits.addTokens(LocalDate.of(2026, 11, 25), 10);

        assertEquals(List.of(), drain());
        assertEquals(ContentStatus.FAILED, h.item("quest_description", 1).status());
    }
}
