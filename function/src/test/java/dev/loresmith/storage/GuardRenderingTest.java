package dev.loresmith.storage;

import dev.loresmith.item.Claim;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.FollowUp;
import dev.loresmith.item.Guard;
import dev.loresmith.item.ItemLifecycle;
import dev.loresmith.item.ItemStates;
import dev.loresmith.testing.TestAws;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import software.amazon.awssdk.enhanced.dynamodb.Expression;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static dev.loresmith.item.ItemStates.ME;
import static dev.loresmith.item.ItemStates.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every guard the lifecycle uses, rendered as storage renders it, against every item state in DynamoDB: the table
 * must allow exactly the writes the lifecycle decides in memory. A rendering that drifted from its guard (a missing
 * attribute read differently, an off-by-one on a lease's end) fails here, state by state.
 */
class GuardRenderingTest {

    static DynamoDbClient dynamo;
    static String table;

    @BeforeAll
    static void tables() {
        dynamo = TestAws.dynamo();
        table = TestAws.freshTables().content();
    }

    static Map<String, Guard> guards() {
        Map<String, Guard> guards = new LinkedHashMap<>();
        for (Claim.Kind kind : Claim.Kind.values()) {
            guards.put("claim(" + kind + ")", ItemLifecycle.claimable(kind, NOW));
        }
        guards.put("claim(REQUEST, dated)", ItemLifecycle.claimable(Claim.Kind.REQUEST, NOW, ItemStates.REQUESTED));
        guards.put("request", ItemLifecycle.requestable());
        guards.put("finish(me)", ItemLifecycle.finishable(ME));
        guards.put("fallback(unclaimed)", ItemLifecycle.unclaimedFallbackAllowed(NOW));
        guards.put("mark(replay)", ItemLifecycle.replayMarkable(NOW));
        for (FollowUp.Kind kind : FollowUp.Kind.values()) {
            guards.put("clear(" + kind + ")", ItemLifecycle.followUpClearable(kind));
        }
        guards.put("requeued", ItemLifecycle.requeueMovable());
        guards.put("no follow-up", new Guard.NoFollowUp());
        guards.put("not ready", new Guard.NotReady());
        return guards;
    }

    @TestFactory
    List<DynamicTest> eachGuardAgreesWithDynamoDb() {
        List<DynamicTest> tests = new ArrayList<>();
        guards().forEach((name, guard) -> tests.add(DynamicTest.dynamicTest(name, () -> {
            Map<String, String> inMemory = new LinkedHashMap<>();
            Map<String, String> inDynamo = new LinkedHashMap<>();
            for (Map.Entry<String, Optional<ContentItem>> state : ItemStates.all().entrySet()) {
                inMemory.put(state.getKey(), Boolean.toString(guard.holds(state.getValue())));
                inDynamo.put(state.getKey(), Boolean.toString(allowedByDynamo(state.getValue(), guard)));
            }
            assertEquals(inMemory, inDynamo, name);
        })));
        return tests;
    }

    /** Stores the item under a fresh key, then tries a write conditioned on the rendered guard. */
    private static boolean allowedByDynamo(Optional<ContentItem> item, Guard guard) {
        String pk = "quest_description#" + UUID.randomUUID();
        item.ifPresent(i -> dynamo.putItem(r -> r.tableName(table).item(attributes(pk, i))));
        Expression condition = ItemConditions.render(guard);
        Update touch = new Update().set("touched", AttributeValue.fromBool(true));
        try {
            dynamo.updateItem(touch.request(table, Map.of(ContentRow.PK, AttributeValue.fromS(pk)), condition).build());
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** The item's attributes as the table stores them (ContentRow's layout). */
    static Map<String, AttributeValue> attributes(String pk, ContentItem i) {
        Map<String, AttributeValue> a = new HashMap<>();
        a.put(ContentRow.PK, AttributeValue.fromS(pk));
        a.put("contentType", AttributeValue.fromS(i.key().contentType()));
        a.put("contentId", AttributeValue.fromN(i.key().contentId().toString()));
        a.put("status", AttributeValue.fromS(i.status().wireName()));
        a.put("requestedAt", AttributeValue.fromS(i.requestedAt().toString()));
        if (i.text() != null) {
            a.put("text", AttributeValue.fromS(i.text()));
            a.put("model", AttributeValue.fromS(i.model()));
            a.put("generatedAt", AttributeValue.fromS(i.generatedAt().toString()));
        }
        if (i.leaseOwner() != null) {
            a.put("leaseOwner", AttributeValue.fromS(i.leaseOwner()));
            a.put("leaseUntil", AttributeValue.fromN(Long.toString(i.leaseUntil().toEpochMilli())));
        }
        if (i.followUp() != null) {
            a.put("followUp", AttributeValue.fromS(ContentRow.followUpPartition(i.followUp().kind(), i.key())));
            a.put("followUpAt", AttributeValue.fromN(Long.toString(i.followUp().at().toEpochMilli())));
        }
        if (i.attemptClaimedAt() != null) {
            a.put("attemptClaimedAt", AttributeValue.fromN(Long.toString(i.attemptClaimedAt().toEpochMilli())));
        }
        return a;
    }
}
