package dev.loresmith.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitTransition;
import dev.loresmith.content.ContentId;
import dev.loresmith.content.ContentKey;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.retry.Pause;
import dev.loresmith.retry.Retry;
import dev.loresmith.testing.Circuits;
import dev.loresmith.testing.MutableClock;
import dev.loresmith.testing.TestAws;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PutEvents as EventBridge receives it: SigV4-signed JSON 1.1, at most 10 entries a call, and — against a bus that
 * throttles, fails or drops the connection — tried again with jittered exponential back-off, never past the
 * caller's deadline. The pauses move a clock instead of sleeping.
 */
class EventBridgePublisherTest {

    static final String THROTTLED = "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded for account 123456789012\"}";

    WireMockServer server;
    EventBridgePublisher publisher;
    final MutableClock clock = MutableClock.at("2026-11-25T10:00:00Z");
    /** The pauses the publisher took, each moving the clock by as much. */
    final List<Duration> pauses = new ArrayList<>();

    @BeforeEach
    void start() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        server.start();
        Pause pause = d -> {
            pauses.add(d);
            clock.advance(d);
        };
        publisher = new EventBridgePublisher(UrlConnectionHttpClient.create(), TestAws.CREDENTIALS, TestAws.REGION,
                URI.create("http://127.0.0.1:" + server.port()), "loresmith-events", new Retry(EventBridgePublisher.RETRY, pause, clock));
    }

    /** The bus answers {@code first} for the first {@code times} calls, then accepts. */
    void failsThenAccepts(int times, ResponseDefinitionBuilder first, int entries) {
        String state = Scenario.STARTED;
        for (int i = 1; i <= times; i++) {
            server.stubFor(post(urlEqualTo("/")).inScenario("bus").whenScenarioStateIs(state).willReturn(first).willSetStateTo("after-" + i));
            state = "after-" + i;
        }
        server.stubFor(post(urlEqualTo("/")).inScenario("bus").whenScenarioStateIs(state)
                .willReturn(aResponse().withStatus(200).withBody(accepted(entries))));
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    static DomainEvent ready(long id) {
        ContentItem item = ContentItem.pending(new ContentKey("quest_description", ContentId.parse(Long.toString(id))), Instant.EPOCH, null)
                .finished(ContentStatus.READY, "{\"title\":\"T t\",\"description\":\"D\"}", "claude-sonnet-4-5", Instant.parse("2026-11-25T10:00:00Z"));
        return new DomainEvent.ContentReady(item);
    }

    static String accepted(int entries) {
        StringBuilder body = new StringBuilder("{\"FailedEntryCount\":0,\"Entries\":[");
        for (int i = 0; i < entries; i++) {
            body.append(i == 0 ? "" : ",").append("{\"EventId\":\"e").append(i).append("\"}");
        }
        return body.append("]}").toString();
    }

    List<LoggedRequest> puts() {
        return server.findAll(postRequestedFor(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("AWSEvents.PutEvents")));
    }

    @Test
    @DisplayName("a signed PutEvents: source loresmith, the detail-type, the detail as JSON text, the stack's bus")
    void signedPut() {
        server.stubFor(post(urlEqualTo("/")).willReturn(aResponse().withStatus(200).withBody(accepted(1))));

        publisher.publish(List.of(ready(42)));

        LoggedRequest put = puts().get(0);
        assertTrue(put.getHeader("Authorization").startsWith("AWS4-HMAC-SHA256 Credential=test/"), put.getHeader("Authorization"));
        assertTrue(put.getHeader("Authorization").contains("/us-east-1/events/aws4_request"));
        assertTrue(put.containsHeader("X-Amz-Date"));
        assertEquals("application/x-amz-json-1.1", put.getHeader("Content-Type"));
        JsonNode entry = TestJson.parse(put.getBodyAsString()).path("Entries").get(0);
        assertEquals("loresmith", entry.path("Source").asText());
        assertEquals("ContentReady", entry.path("DetailType").asText());
        assertEquals("loresmith-events", entry.path("EventBusName").asText());
        assertEquals(42, TestJson.parse(entry.path("Detail").asText()).path("contentId").asLong());
    }

    @Test
    @DisplayName("more than 10 events go in calls of at most 10")
    void batchesOfTen() {
        server.stubFor(post(urlEqualTo("/")).willReturn(aResponse().withStatus(200).withBody(accepted(10))));
        List<DomainEvent> events = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            events.add(ready(i));
        }

        publisher.publish(events);

        assertEquals(List.of(10, 10, 3), puts().stream().map(p -> TestJson.parse(p.getBodyAsString()).path("Entries").size()).toList());
    }

    @Test
    @DisplayName("entries EventBridge reports as failed are sent again, and only those")
    void failedEntriesRetried() {
        server.stubFor(post(urlEqualTo("/")).inScenario("partial").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(200).withBody("{\"FailedEntryCount\":1,\"Entries\":[{\"EventId\":\"e0\"},"
                        + "{\"ErrorCode\":\"InternalFailure\",\"ErrorMessage\":\"x\"}]}")).willSetStateTo("second"));
        server.stubFor(post(urlEqualTo("/")).inScenario("partial").whenScenarioStateIs("second")
                .willReturn(aResponse().withStatus(200).withBody(accepted(1))));

        publisher.publish(List.of(ready(1), ready(2)));

        assertEquals(2, puts().size());
        JsonNode retried = TestJson.parse(puts().get(1).getBodyAsString()).path("Entries");
        assertEquals(1, retried.size());
        assertEquals(2, TestJson.parse(retried.get(0).path("Detail").asText()).path("contentId").asLong());
    }

    @Test
    @DisplayName("a bus that refuses (a missing bus) fails the publish at once, naming the status and AWS's error code, never its message")
    void refused() {
        server.stubFor(post(urlEqualTo("/")).willReturn(aResponse().withStatus(400)
                .withBody("{\"__type\":\"ResourceNotFoundException\",\"message\":\"Event bus loresmith-events does not exist.\"}")));

        EventBridgePublisher.PublishFailed failed = assertThrows(EventBridgePublisher.PublishFailed.class,
                () -> publisher.publish(List.of(ready(1))));

        assertEquals("PutEvents answered 400 ResourceNotFoundException", failed.getMessage());
        assertFalse(failed.getMessage().contains("does not exist"));
        assertEquals(1, puts().size(), "no retry can make a missing bus appear");
    }

    @Test
    @DisplayName("the endpoint follows the SDK's variables: AWS_ENDPOINT_URL_EVENTBRIDGE, then AWS_ENDPOINT_URL, else the region's")
    void endpoint() {
        assertEquals(URI.create("https://events.eu-west-1.amazonaws.com"),
                EventBridgePublisher.endpoint(Region.EU_WEST_1, Map.<String, String>of()::get));
        assertEquals(URI.create("https://events.cn-north-1.amazonaws.com.cn"),
                EventBridgePublisher.endpoint(Region.CN_NORTH_1, Map.<String, String>of()::get));
        assertEquals(URI.create("https://events.eu-central-3.amazonaws.com"),
                EventBridgePublisher.endpoint(Region.of("eu-central-3"), Map.<String, String>of()::get),
                "a region this SDK does not know yet (its metadata is null) resolves by its partition's pattern");
        assertEquals(URI.create("http://localhost:4566"), EventBridgePublisher.endpoint(Region.US_EAST_1,
                Map.of("AWS_ENDPOINT_URL", "http://localhost:4566")::get));
        assertEquals(URI.create("http://localhost:5000"), EventBridgePublisher.endpoint(Region.US_EAST_1,
                Map.of("AWS_ENDPOINT_URL", "http://localhost:4566", "AWS_ENDPOINT_URL_EVENTBRIDGE", "http://localhost:5000")::get));
    }

    @Test
    @DisplayName("a throttled PutEvents (ThrottlingException) is sent again after a jittered, growing pause, and gets through")
    void throttlingRetried() {
        failsThenAccepts(3, aResponse().withStatus(400).withBody(THROTTLED), 2);

        publisher.publish(List.of(ready(1), ready(2)));

        assertEquals(4, puts().size());
        puts().forEach(p -> assertEquals(2, TestJson.parse(p.getBodyAsString()).path("Entries").size()));
        assertEquals(3, pauses.size());
        for (int i = 0; i < pauses.size(); i++) {
            Duration ceiling = EventBridgePublisher.RETRY.ceilingAfter(i + 1);
            assertTrue(!pauses.get(i).isNegative() && pauses.get(i).compareTo(ceiling) <= 0, pauses.get(i) + " within " + ceiling);
        }
        assertEquals(List.of(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400)),
                List.of(EventBridgePublisher.RETRY.ceilingAfter(1), EventBridgePublisher.RETRY.ceilingAfter(2), EventBridgePublisher.RETRY.ceilingAfter(3)));
    }

    @Test
    @DisplayName("a 5xx, a 429, a throttling code in the x-amzn-ErrorType header, and a dropped connection are all tried again")
    void transientFailuresRetried() {
        failsThenAccepts(1, aResponse().withStatus(500).withBody("{\"__type\":\"InternalException\"}"), 1);
        publisher.publish(List.of(ready(1)));
        assertEquals(2, puts().size());

        server.resetAll();
        failsThenAccepts(1, aResponse().withStatus(429), 1);
        publisher.publish(List.of(ready(1)));
        assertEquals(2, puts().size());

        server.resetAll();
        failsThenAccepts(1, aResponse().withStatus(400).withHeader("x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/"), 1);
        publisher.publish(List.of(ready(1)));
        assertEquals(2, puts().size());

        server.resetAll();
        failsThenAccepts(2, aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER), 1);
        publisher.publish(List.of(ready(1)));
        assertEquals(3, puts().size());
    }

    @Test
    @DisplayName("entries reported failed (FailedEntryCount, throttled entries) are sent again after a back-off, only those, until accepted")
    void failedEntriesBackOff() {
        String partly = "{\"FailedEntryCount\":1,\"Entries\":[{\"EventId\":\"e0\"},{\"ErrorCode\":\"ThrottlingException\",\"ErrorMessage\":\"x\"}]}";
        server.stubFor(post(urlEqualTo("/")).inScenario("p").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(200).withBody(partly)).willSetStateTo("one"));
        server.stubFor(post(urlEqualTo("/")).inScenario("p").whenScenarioStateIs("one")
                .willReturn(aResponse().withStatus(200).withBody("{\"FailedEntryCount\":1,\"Entries\":[{\"ErrorCode\":\"ThrottlingException\"}]}"))
                .willSetStateTo("two"));
        server.stubFor(post(urlEqualTo("/")).inScenario("p").whenScenarioStateIs("two")
                .willReturn(aResponse().withStatus(200).withBody(accepted(1))));

        publisher.publish(List.of(ready(1), ready(2)));

        assertEquals(List.of(2, 1, 1), puts().stream().map(p -> TestJson.parse(p.getBodyAsString()).path("Entries").size()).toList());
        assertEquals(2, pauses.size(), "a back-off before each resend, not three calls in a few milliseconds");
    }

    @Test
    @DisplayName("a bus that keeps throttling: tries stop at the caller's deadline (not after a fixed count), and the publish fails with codes only")
    void boundedByTheDeadline() {
        server.stubFor(post(urlEqualTo("/")).willReturn(aResponse().withStatus(400).withBody(THROTTLED)));
        Instant deadline = clock.instant().plusMillis(700);

        EventBridgePublisher.PublishFailed failed = assertThrows(EventBridgePublisher.PublishFailed.class,
                () -> publisher.publish(List.of(ready(1)), deadline));

        assertFalse(clock.instant().isAfter(deadline), "no pause ran past the deadline: " + clock.instant());
        assertTrue(puts().size() < EventBridgePublisher.RETRY.maxAttempts(), puts().size() + " calls");
        assertTrue(failed.getMessage().contains("ThrottlingException"), failed.getMessage());
        assertFalse(failed.getMessage().contains("123456789012"), "AWS's message is never kept");
    }

    @Test
    @DisplayName("with no deadline, a bus that keeps throttling is tried the policy's number of times, then the publish fails")
    void boundedByAttempts() {
        server.stubFor(post(urlEqualTo("/")).willReturn(aResponse().withStatus(400).withBody(THROTTLED)));

        assertThrows(EventBridgePublisher.PublishFailed.class, () -> publisher.publish(List.of(ready(1))));

        assertEquals(EventBridgePublisher.RETRY.maxAttempts(), puts().size());
    }

    @Test
    @DisplayName("error codes are read from __type (namespace stripped) or the x-amzn-ErrorType header; anything else is dropped")
    void errorCodes() {
        assertEquals("ThrottlingException", EventBridgePublisher.errorCode("com.amazon.coral.availability#ThrottlingException", ""));
        assertEquals("ThrottlingException", EventBridgePublisher.errorCode("", "ThrottlingException:http://internal.amazon.com/coral/"));
        assertEquals("", EventBridgePublisher.errorCode("Rate exceeded for <account>", ""));
    }

    @Test
    @DisplayName("circuit events carry the transition, and an id per write of the circuit item")
    void circuitDetail() {
        CircuitRecord before = CircuitRecord.initial();
        CircuitRecord after = Circuits.open(Instant.parse("2026-11-25T10:00:00Z"), 1, 3);
        DomainEvent event = new DomainEvent.CircuitChanged("anthropic", CircuitTransition.between(before, after).orElseThrow(), 3,
                Instant.parse("2026-11-25T10:00:00Z"), "4b0f2c7e");
        DomainEvent sameVersionLater = new DomainEvent.CircuitChanged("anthropic", CircuitTransition.between(before, after).orElseThrow(), 3,
                Instant.parse("2026-11-25T11:00:00Z"), "9d31aa02");

        assertEquals("CircuitOpened", event.detailType());
        assertEquals("anthropic#4b0f2c7e", event.detail().path("eventId").asText());
        assertEquals(3, event.detail().path("version").asInt());
        assertEquals(1, event.detail().path("generation").asInt());
        assertFalse(event.detail().path("eventId").equals(sameVersionLater.detail().path("eventId")),
                "a version seen again (the item deleted, restored, or its version replaced) is a new event, not a duplicate");
    }

    static DomainEvent readyWithText(long id, int descriptionChars) {
        ContentItem item = ContentItem.pending(new ContentKey("quest_description", ContentId.parse(Long.toString(id))), Instant.EPOCH, null)
                .finished(ContentStatus.READY, "{\"title\":\"T t\",\"description\":\"" + "é".repeat(descriptionChars) + "\"}",
                        "claude-sonnet-4-5", Instant.parse("2026-11-25T10:00:00Z"));
        return new DomainEvent.ContentReady(item);
    }

    @Test
    @DisplayName("calls stay under PutEvents' 256 KB: long texts are split across calls by size, not only by count")
    void batchesBySize() {
        server.stubFor(post(urlEqualTo("/")).willReturn(aResponse().withStatus(200).withBody(accepted(10))));
        List<DomainEvent> events = new ArrayList<>();
        for (int id = 1; id <= 10; id++) {
            events.add(readyWithText(id, 15_000)); // 30 KB of UTF-8 each
        }

        publisher.publish(events);

        int entries = 0;
        for (LoggedRequest put : puts()) {
            JsonNode body = TestJson.parse(put.getBodyAsString());
            int bytes = 0;
            for (JsonNode entry : body.path("Entries")) {
                bytes += (entry.path("Source").asText() + entry.path("DetailType").asText() + entry.path("Detail").asText())
                        .getBytes(StandardCharsets.UTF_8).length;
                entries++;
            }
            assertTrue(bytes <= 256 * 1024, bytes + " bytes in one call");
        }
        assertEquals(10, entries, "every event sent once");
        assertTrue(puts().size() >= 2);
    }

    @Test
    @DisplayName("an event too large for any call goes without its text (textOmitted: true) rather than blocking the stream")
    void oversizeTextOmitted() {
        server.stubFor(post(urlEqualTo("/")).willReturn(aResponse().withStatus(200).withBody(accepted(1))));

        publisher.publish(List.of(readyWithText(7, 150_000)));

        JsonNode detail = TestJson.parse(TestJson.parse(puts().get(0).getBodyAsString()).path("Entries").get(0).path("Detail").asText());
        assertTrue(detail.path("textOmitted").asBoolean());
        assertFalse(detail.has("text"));
        assertEquals(7, detail.path("contentId").asInt());
        assertTrue(detail.path("eventId").asText().startsWith("quest_description#7#"));
    }

    @Test
    @DisplayName("an answer that reports failures without saying which: the whole call is sent again, then the publish fails")
    void unmatchedFailures() {
        server.stubFor(post(urlEqualTo("/")).willReturn(aResponse().withStatus(200).withBody("{\"FailedEntryCount\":1}")));

        assertThrows(EventBridgePublisher.PublishFailed.class, () -> publisher.publish(List.of(ready(1), ready(2))));
        assertEquals(EventBridgePublisher.RETRY.maxAttempts(), puts().size());
        puts().forEach(p -> assertEquals(2, TestJson.parse(p.getBodyAsString()).path("Entries").size()));
    }
}
