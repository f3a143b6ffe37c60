package dev.loresmith.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;
import dev.loresmith.handler.StreamEventsHandler;
import dev.loresmith.item.Claim;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FilterPatterns;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.Template;
import dev.loresmith.testing.TestAws;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The content stream's event source mapping filter (template.yaml, ContentChanges) against real stream records from
 * DynamoDB Local: it lets through exactly the records that make a ContentReady — so nothing is lost — and drops the
 * claims, leases, fallbacks and follow-up writes that would only invoke the function for nothing.
 */
class ContentStreamFilterTest extends FlowTest {

    List<JsonNode> filters() {
        JsonNode mapping = Template.load().resources("AWS::Serverless::Function").get("StreamEventsFunction")
                .path("Properties").path("Events").path("ContentChanges").path("Properties");
        List<JsonNode> patterns = new ArrayList<>();
        mapping.path("FilterCriteria").path("Filters").forEach(f -> patterns.add(TestJson.parse(f.path("Pattern").asText())));
        return patterns;
    }

    /** Every record the content table's stream holds, as Lambda would hand it over. */
    List<ObjectNode> contentRecords() {
        DynamoDbStreamsClient streams = TestAws.streams();
        String arn = h.dynamo().describeTable(r -> r.tableName(h.tableNames.content())).table().latestStreamArn();
        List<ObjectNode> records = new ArrayList<>();
        for (Shard shard : streams.describeStream(r -> r.streamArn(arn)).streamDescription().shards()) {
            String iterator = streams.getShardIterator(r -> r.streamArn(arn).shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            while (iterator != null) {
                String current = iterator;
                var page = streams.getRecords(r -> r.shardIterator(current));
                for (Record record : page.records()) {
                    records.add(FilterPatterns.lambdaRecord(record));
                }
                if (page.records().isEmpty()) {
                    break;
                }
                iterator = page.nextShardIterator();
            }
        }
        return records;
    }

    @Test
    @DisplayName("only records of an item becoming ready pass the filter, and every one that makes a ContentReady does")
    void filterAgreesWithTheCode() {
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        h.generate("quest_description", 1);                    // claimed, then ready
        h.generate("quest_description", 1);                    // a duplicate: no write
        anthropic.failsWith(503);
        h.generate("quest_description", 2);                    // claimed, then a fallback with a follow-up
        h.clock.advance(Duration.ofMinutes(1));
        h.upgrade("quest_description", 2);                     // an upgrade that fails: leased, then kept
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        h.clock.advance(Duration.ofMinutes(5));
        h.upgrade("quest_description", 2);                     // an upgrade to ready
        h.contents.claim(h.request("quest_description", "3", null).key(), Claim.Kind.REQUEST, null, "w", h.now(), h.now().plusSeconds(120),
                null, h.now().plus(Duration.ofMinutes(20)));    // a claim left pending

        List<JsonNode> filters = filters();
        List<ObjectNode> records = contentRecords();
        int passed = 0;
        int ready = 0;
        for (ObjectNode record : records) {
            boolean passes = filters.stream().anyMatch(f -> FilterPatterns.matches(f, record));
            ObjectNode event = Json.MAPPER.createObjectNode();
            event.putArray("Records").add(record);
            boolean announces = StreamEventsHandler.records(event).stream().anyMatch(r -> !StreamEvents.of(r).isEmpty());
            assertEquals(announces, passes, record.path("eventName").asText() + " " + record.path("dynamodb").path("NewImage").path("status")
                    + " from " + record.path("dynamodb").path("OldImage").path("status"));
            passed += passes ? 1 : 0;
            ready += announces ? 1 : 0;
        }
        assertEquals(2, ready, "item 1 generated, item 2 upgraded");
        assertEquals(2, passed);
        assertTrue(records.size() >= 6, "and the rest never invoke the function: " + records.size() + " records in all");
    }

    @Test
    @DisplayName("the filter's own cases: created ready, ready after failed or pending, not ready again, not a fallback, not a delete")
    void patternCases() {
        List<JsonNode> filters = filters();
        String ready = "{\"status\": {\"S\": \"ready\"}}";
        String failed = "{\"status\": {\"S\": \"failed\"}}";
        String pending = "{\"status\": {\"S\": \"pending\"}}";
        assertTrue(passes(filters, "INSERT", ready, null));
        assertTrue(passes(filters, "MODIFY", ready, failed));
        assertTrue(passes(filters, "MODIFY", ready, pending));
        assertEquals(false, passes(filters, "MODIFY", ready, ready), "a write to an item already ready");
        assertEquals(false, passes(filters, "MODIFY", failed, pending), "a fallback");
        assertEquals(false, passes(filters, "INSERT", pending, null), "a claim");
        assertEquals(false, passes(filters, "REMOVE", null, ready), "a delete");
    }

    static boolean passes(List<JsonNode> filters, String eventName, String newImage, String oldImage) {
        ObjectNode record = Json.MAPPER.createObjectNode().put("eventName", eventName);
        ObjectNode dynamodb = record.putObject("dynamodb");
        if (newImage != null) {
            dynamodb.set("NewImage", TestJson.parse(newImage));
        }
        if (oldImage != null) {
            dynamodb.set("OldImage", TestJson.parse(oldImage));
        }
        return filters.stream().anyMatch(f -> FilterPatterns.matches(f, record));
    }
}
