package dev.loresmith.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitTransition;
import dev.loresmith.content.ContentId;
import dev.loresmith.content.ContentKey;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.testing.Circuits;
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

/** PutEvents as EventBridge receives it: SigV4-signed JSON 1.1, at most 10 entries a call, failed entries sent again. */
class EventBridgePublisherTest {

    WireMockServer server;
    EventBridgePublisher publisher;

    @BeforeEach
    void start() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        server.start();
        publisher = new EventBridgePublisher(UrlConnectionHttpClient.create(), TestAws.CREDENTIALS, TestAws.REGION,
                URI.create("http://127.0.0.1:" + server.port()), "loresmith-events");
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
    @DisplayName("a bus that keeps refusing fails the publish, naming the status and AWS's error code, never its message")
    void refused() {
        server.stubFor(post(urlEqualTo("/")).willReturn(aResponse().withStatus(400)
                .withBody("{\"__type\":\"ResourceNotFoundException\",\"message\":\"Event bus loresmith-events does not exist.\"}")));

        EventBridgePublisher.PublishFailed failed = assertThrows(EventBridgePublisher.PublishFailed.class,
                () -> publisher.publish(List.of(ready(1))));

        assertEquals("PutEvents answered 400 ResourceNotFoundException", failed.getMessage());
        assertFalse(failed.getMessage().contains("does not exist"));
    }

    @Test
    @DisplayName("the endpoint follows the SDK's variables: AWS_ENDPOINT_URL_EVENTBRIDGE, then AWS_ENDPOINT_URL, else the region's")
    void endpoint() {
        assertEquals(URI.create("https://events.eu-west-1.amazonaws.com"),
                EventBridgePublisher.endpoint(Region.EU_WEST_1, Map.<String, String>of()::get));
        assertEquals(URI.create("https://events.cn-north-1.amazonaws.com.cn"),
                EventBridgePublisher.endpoint(Region.CN_NORTH_1, Map.<String, String>of()::get));
        assertEquals(URI.create("http://localhost:4566"), EventBridgePublisher.endpoint(Region.US_EAST_1,
                Map.of("AWS_ENDPOINT_URL", "http://localhost:4566")::get));
        assertEquals(URI.create("http://localhost:5000"), EventBridgePublisher.endpoint(Region.US_EAST_1,
                Map.of("AWS_ENDPOINT_URL", "http://localhost:4566", "AWS_ENDPOINT_URL_EVENTBRIDGE", "http://localhost:5000")::get));
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
        assertEquals(3, puts().size());
        puts().forEach(p -> assertEquals(2, TestJson.parse(p.getBodyAsString()).path("Entries").size()));
    }
}
