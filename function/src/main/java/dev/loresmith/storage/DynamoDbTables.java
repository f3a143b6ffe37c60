package dev.loresmith.storage;

import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.ForcedState;
import dev.loresmith.item.Claim;
import dev.loresmith.item.ContentItem;
import dev.loresmith.content.ContentKey;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.item.FollowUp;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbEnhancedClient;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbTable;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.RequestLimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.TransactionConflictException;
import software.amazon.awssdk.services.dynamodb.model.TransactionInProgressException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Both tables on DynamoDB. Reads of the content table map items through the Enhanced client's static
 * schema; every write is a low-level conditional UpdateItem (or a TransactWriteItems of two), because
 * each one needs expressions the Enhanced client cannot state: {@code if_not_exists}, REMOVE, and the
 * lease condition that keeps one worker per item. A write that meets a transaction in flight on the same
 * item ({@code TransactionConflictException}) is tried again, a bounded number of times.
 */
public final class DynamoDbTables implements ContentStore, CircuitStore {

    static final int MAX_CONFLICT_ATTEMPTS = 5;
    private static final String UNLEASED = "(attribute_not_exists(#leaseUntil) OR #leaseUntil < :nowMillis)";
    private static final AttributeValue READY = s(ContentStatus.READY.wireName());
    private static final AttributeValue PENDING = s(ContentStatus.PENDING.wireName());
    private static final AttributeValue FAILED = s(ContentStatus.FAILED.wireName());

    private final DynamoDbClient dynamo;
    private final DynamoDbTable<ContentRow> content;
    private final String contentTableName;
    private final String circuitTableName;
    private final String provider;
    private final Backoff backoff;

    public DynamoDbTables(DynamoDbClient dynamo, String contentTableName, String circuitTableName, String provider) {
        this(dynamo, contentTableName, circuitTableName, provider, Backoff.jittered());
    }

    public DynamoDbTables(DynamoDbClient dynamo, String contentTableName, String circuitTableName, String provider, Backoff backoff) {
        this.dynamo = dynamo;
        this.content = DynamoDbEnhancedClient.builder().dynamoDbClient(dynamo).build().table(contentTableName, ContentRow.SCHEMA);
        this.contentTableName = contentTableName;
        this.circuitTableName = circuitTableName;
        this.provider = provider;
        this.backoff = backoff;
    }

    // ---------------------------------------------------------------- content

    @Override
    public Claim claim(ContentKey key, Claim.Kind kind, String worker, Instant now, Instant leaseUntil, String context, Instant requeueAt) {
        Update u = new Update();
        String condition;
        if (kind != Claim.Kind.UPGRADE) {
            u.set("contentType", s(key.contentType())).set("contentId", id(key))
                    .setIfNotExists("status", PENDING).setIfNotExists("requestedAt", s(now.toString()))
                    .set("leaseOwner", s(worker)).set("leaseUntil", n(leaseUntil.toEpochMilli()))
                    .setOrRemove("context", context == null ? null : s(context))
                    .setIfNotExists("followUp", s(ContentRow.followUpPartition(FollowUp.Kind.REQUEUE, key)))
                    .set("followUpAt", n(requeueAt.toEpochMilli()));
            // Absent, pending or failed — never ready — and not leased by a live worker. A failed item keeps
            // its text and status while leased: the fallback stays readable until something better replaces it.
            condition = kind == Claim.Kind.REQUEUE
                    ? u.name("status") + " = " + u.value("pending", PENDING) + " AND " + UNLEASED
                    : "(attribute_not_exists(" + u.name("pk") + ") OR " + u.name("status") + " <> " + u.value("ready", READY) + ") AND " + UNLEASED;
        } else {
            // Moving followUpAt to the lease's end keeps sweeps from enqueuing it again while it runs, and makes it
            // due again should this worker die.
            u.set("leaseOwner", s(worker)).set("leaseUntil", n(leaseUntil.toEpochMilli())).set("followUpAt", n(leaseUntil.toEpochMilli()));
            condition = u.name("status") + " = " + u.value("failed", FAILED) + " AND begins_with(" + u.name("followUp") + ", "
                    + u.value("upgrade", s(FollowUp.Kind.UPGRADE.wireName() + "#")) + ") AND " + u.name("followUpAt") + " <= :nowMillis AND " + UNLEASED;
        }
        u.name("leaseUntil");
        u.value("nowMillis", n(now.toEpochMilli()));
        try {
            return new Claim.Claimed(ContentRow.toItem(retrying(() -> dynamo.updateItem(contentUpdate(key, u, condition, ReturnValue.ALL_NEW))).attributes()));
        } catch (ConditionalCheckFailedException e) {
            if (!e.hasItem() || e.item().isEmpty()) {
                return new Claim.NotDue(ContentItem.pending(key, now, null));
            }
            ContentItem existing = ContentRow.toItem(e.item());
            if (existing.status() == ContentStatus.READY) {
                return new Claim.AlreadyFinished(existing);
            }
            if (kind == Claim.Kind.UPGRADE) {
                return new Claim.NotDue(existing); // not due, given up, or another worker has it: the index keeps it
            }
            if (kind == Claim.Kind.REQUEUE && !existing.leasedAt(now)) {
                return new Claim.NotDue(existing); // finished (its first message came after all): nothing owed
            }
            return new Claim.Leased(existing);
        }
    }

    @Override
    public Optional<ContentItem> find(ContentKey key) {
        ContentRow row = content.getItem(r -> r.key(Key.builder().partitionValue(ContentRow.pk(key)).build()).consistentRead(true));
        return Optional.ofNullable(row).map(ContentRow::toItem);
    }

    @Override
    public ContentItem request(ContentKey key, Instant now, String context, Instant requeueAt) {
        Update u = new Update().set("contentType", s(key.contentType())).set("contentId", id(key))
                .set("status", PENDING).set("requestedAt", s(now.toString()))
                .set("followUp", s(ContentRow.followUpPartition(FollowUp.Kind.REQUEUE, key))).set("followUpAt", n(requeueAt.toEpochMilli()));
        if (context != null) {
            u.set("context", s(context));
        }
        String condition = "attribute_not_exists(" + u.name("pk") + ")";
        try {
            return ContentRow.toItem(retrying(() -> dynamo.updateItem(contentUpdate(key, u, condition, ReturnValue.ALL_NEW))).attributes());
        } catch (ConditionalCheckFailedException e) {
            return ContentRow.toItem(e.item()); // it exists: leave it as it is
        }
    }

    @Override
    public Commit finish(ContentItem finished, String worker, CircuitRecord expected, CircuitRecord next) {
        Update u = finishUpdate(finished);
        String condition = u.name("leaseOwner") + " = " + u.value("worker", s(worker));
        if (expected == null || next == null || next.equals(expected)) {
            try {
                retrying(() -> dynamo.updateItem(contentUpdate(finished.key(), u, condition, ReturnValue.NONE)));
                return Commit.COMMITTED;
            } catch (ConditionalCheckFailedException e) {
                // The SDK's retry of a write that landed but timed out finds the lease already released — by us.
                return writtenAlready(e, finished) ? Commit.COMMITTED : Commit.LEASE_LOST;
            }
        }
        UpdateItemRequest item = contentUpdate(finished.key(), u, condition, ReturnValue.NONE);
        UpdateItemRequest circuit = circuitUpdate(expected, next);
        try {
            dynamo.transactWriteItems(r -> r
                    // the same token on the SDK's own retries: a transaction that committed but timed out is not applied twice
                    .clientRequestToken(UUID.randomUUID().toString())
                    .transactItems(
                            TransactWriteItem.builder().update(x -> x.tableName(item.tableName()).key(item.key())
                                    .updateExpression(item.updateExpression()).conditionExpression(item.conditionExpression())
                                    .expressionAttributeNames(item.expressionAttributeNames())
                                    .expressionAttributeValues(item.expressionAttributeValues())
                                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)).build(),
                            TransactWriteItem.builder().update(x -> x.tableName(circuit.tableName()).key(circuit.key())
                                    .updateExpression(circuit.updateExpression()).conditionExpression(circuit.conditionExpression())
                                    .expressionAttributeNames(circuit.expressionAttributeNames())
                                    .expressionAttributeValues(circuit.expressionAttributeValues())).build()));
            return Commit.COMMITTED;
        } catch (TransactionCanceledException e) {
            List<CancellationReason> reasons = e.cancellationReasons();
            boolean leaseLost = !reasons.isEmpty() && "ConditionalCheckFailed".equals(reasons.get(0).code());
            return leaseLost ? Commit.LEASE_LOST : Commit.RETRY;
        } catch (ProvisionedThroughputExceededException | RequestLimitExceededException | TransactionInProgressException e) {
            return Commit.RETRY; // throttled (after the SDK's own retries) or in flight: back off and decide again
        } catch (DynamoDbException e) {
            if (e.isThrottlingException()) {
                return Commit.RETRY;
            }
            throw e;
        }
    }

    /** Every public attribute as {@code finished} must read, the lease released. */
    /** Whether the item a failed condition returned is exactly what {@code finished} wrote (this attempt's own write). */
    private static boolean writtenAlready(ConditionalCheckFailedException e, ContentItem finished) {
        if (!e.hasItem() || finished.attemptedAt() == null) {
            return false;
        }
        Map<String, AttributeValue> item = e.item();
        return !item.containsKey("leaseOwner")
                && n(finished.attemptedAt().toEpochMilli()).equals(item.get("attemptedAt"))
                && s(finished.text()).equals(item.get("text"))
                && s(finished.model()).equals(item.get("model"));
    }

    private static Update finishUpdate(ContentItem finished) {
        Update u = new Update()
                .set("status", s(finished.status().wireName()))
                .set("text", s(finished.text()))
                .set("model", s(finished.model()))
                .set("generatedAt", s(finished.generatedAt().toString()))
                .setOrRemove("upgradedFrom", finished.upgradedFrom() == null ? null : s(finished.upgradedFrom()))
                .setOrRemove("attempts", finished.attempts() == 0 ? null : n(finished.attempts()))
                .setOrRemove("attemptsSince", finished.attemptsSince() == null ? null : n(finished.attemptsSince().toEpochMilli()))
                .setOrRemove("lastFailure", finished.lastFailure() == null ? null : s(finished.lastFailure()))
                .setOrRemove("attemptedAt", finished.attemptedAt() == null ? null : n(finished.attemptedAt().toEpochMilli()))
                .remove("leaseOwner").remove("leaseUntil");
        followUp(u, finished);
        return u;
    }

    private static void followUp(Update u, ContentItem item) {
        FollowUp followUp = item.followUp();
        u.setOrRemove("followUp", followUp == null ? null : s(ContentRow.followUpPartition(followUp.kind(), item.key())))
                .setOrRemove("followUpAt", followUp == null ? null : n(followUp.at().toEpochMilli()));
    }

    @Override
    public boolean fallbackUnclaimed(ContentItem fallback, Instant now) {
        Update u = new Update().set("contentType", s(fallback.key().contentType())).set("contentId", id(fallback.key()))
                .setIfNotExists("requestedAt", s(fallback.requestedAt().toString()))
                .set("status", s(fallback.status().wireName())).set("text", s(fallback.text())).set("model", s(fallback.model()))
                .set("generatedAt", s(fallback.generatedAt().toString()))
                .set("attemptedAt", n(fallback.generatedAt().toEpochMilli()))
                .remove("leaseOwner").remove("leaseUntil");
        if (fallback.context() != null) {
            u.setIfNotExists("context", s(fallback.context()));
        }
        followUp(u, fallback);
        u.name("leaseUntil");
        u.value("nowMillis", n(now.toEpochMilli()));
        String condition = "attribute_not_exists(" + u.name("pk") + ") OR (" + u.name("status") + " = " + u.value("pending", PENDING) + " AND " + UNLEASED + ")";
        try {
            retrying(() -> dynamo.updateItem(contentUpdate(fallback.key(), u, condition, ReturnValue.NONE)));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public Mark markForReplay(ContentKey key, Instant now) {
        Update u = new Update().set("followUp", s(ContentRow.followUpPartition(FollowUp.Kind.REPLAY, key))).set("followUpAt", n(now.toEpochMilli()));
        u.name("leaseUntil");
        u.value("nowMillis", n(now.toEpochMilli()));
        String condition = u.name("status") + " = " + u.value("failed", FAILED) + " AND attribute_not_exists(" + u.name("followUp") + ") AND " + UNLEASED;
        try {
            retrying(() -> dynamo.updateItem(contentUpdate(key, u, condition, ReturnValue.NONE)));
            return Mark.MARKED;
        } catch (ConditionalCheckFailedException e) {
            boolean leased = e.hasItem() && !e.item().isEmpty() && ContentRow.toItem(e.item()).leasedAt(now);
            return leased ? Mark.LEASED : Mark.NOTHING_TO_MARK;
        }
    }

    @Override
    public List<ContentKey> dueFollowUps(FollowUp.Kind kind, Instant now, int limit) {
        record Due(ContentKey key, long at) {
        }
        List<Due> due = new ArrayList<>();
        for (int shard = 0; shard < ContentRow.FOLLOW_UP_SHARDS && limit > 0; shard++) {
            String partition = kind.wireName() + "#" + shard;
            QueryResponse page = dynamo.query(r -> r.tableName(contentTableName).indexName(ContentRow.FOLLOW_UPS_INDEX)
                    .keyConditionExpression("#f = :f AND #at <= :now")
                    .expressionAttributeNames(Map.of("#f", "followUp", "#at", "followUpAt"))
                    .expressionAttributeValues(Map.of(":f", s(partition), ":now", n(now.toEpochMilli())))
                    .limit(limit));
            page.items().forEach(i -> due.add(new Due(ContentRow.keyOf(i.get(ContentRow.PK).s()), Long.parseLong(i.get("followUpAt").n()))));
        }
        return due.stream().sorted(Comparator.comparingLong(Due::at)).limit(Math.max(0, limit)).map(Due::key).toList();
    }

    @Override
    public void clearFollowUp(ContentKey key, FollowUp.Kind kind) {
        Update u = new Update().remove("followUp").remove("followUpAt");
        String condition = "begins_with(" + u.name("followUp") + ", " + u.value("kind", s(kind.wireName() + "#")) + ")";
        try {
            retrying(() -> dynamo.updateItem(contentUpdate(key, u, condition, ReturnValue.NONE)));
        } catch (ConditionalCheckFailedException e) {
            // it changed since the sweep read it (claimed and finished meanwhile): nothing to clear
        }
    }

    @Override
    public void requeued(ContentKey key, Instant next) {
        Update u = new Update().set("followUpAt", n(next.toEpochMilli()));
        String condition = u.name("status") + " = " + u.value("pending", PENDING) + " AND begins_with(" + u.name("followUp") + ", "
                + u.value("requeue", s(FollowUp.Kind.REQUEUE.wireName() + "#")) + ")";
        try {
            retrying(() -> dynamo.updateItem(contentUpdate(key, u, condition, ReturnValue.NONE)));
        } catch (ConditionalCheckFailedException e) {
            // finished (or claimed and finished) since the sweep read it: nothing owed
        }
    }

    private UpdateItemRequest contentUpdate(ContentKey key, Update u, String condition, ReturnValue returns) {
        return UpdateItemRequest.builder()
                .tableName(contentTableName)
                .key(Map.of(ContentRow.PK, s(ContentRow.pk(key))))
                .updateExpression(u.expression())
                .conditionExpression(condition)
                .expressionAttributeNames(u.names())
                .expressionAttributeValues(u.values())
                .returnValues(returns)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build();
    }

    // ---------------------------------------------------------------- circuit / config

    @Override
    public ProviderConfig read() {
        return CircuitItem.parse(dynamo.getItem(r -> r.tableName(circuitTableName).key(circuitKey()).consistentRead(true)).item());
    }

    @Override
    public boolean replace(CircuitRecord expected, CircuitRecord next) {
        try {
            retrying(() -> dynamo.updateItem(circuitUpdate(expected, next)));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** Sets every circuit attribute of {@code next} if the stored version is still {@code expected}'s; nothing else. */
    private UpdateItemRequest circuitUpdate(CircuitRecord expected, CircuitRecord next) {
        Update u = new Update();
        CircuitItem.circuitValues(next).forEach(u::set);
        if (next.forced() == ForcedState.NONE) {
            u.remove("forcedState");
        }
        AttributeValue version = n(expected.version());
        String v = u.name("version");
        // Version 0 is also what an item without a version, or with one the code cannot read (a string typed in
        // the console, a negative or out-of-range number), reads as: such a write replaces it and repairs the item.
        // A fraction reads as its whole part, so the condition is a unit range (for whole numbers, equality).
        String condition = expected.version() == 0
                ? "attribute_not_exists(" + v + ") OR NOT attribute_type(" + v + ", " + u.value("numberType", s("N")) + ") OR "
                        + v + " < " + u.value("one", n(1)) + " OR " + v + " > " + u.value("maxVersion", n(Long.MAX_VALUE))
                : "(" + v + " >= " + u.value("expectedVersion", version) + " AND " + v + " < "
                        + u.value("nextVersion", AttributeValue.fromN(java.math.BigInteger.valueOf(expected.version()).add(java.math.BigInteger.ONE).toString())) + ")";
        return circuitRequest(u, condition);
    }

    @Override
    public boolean throttleUntil(Instant until, String reason, Instant implausibleAfter) {
        Update u = new Update().set("throttledUntil", n(until.toEpochMilli())).set("throttleReason", s(reason));
        String t = u.name("throttledUntil");
        // Only ever forward — except over a value no throttle of ours could have written (not a number, or further
        // ahead than the longest hold): that one is a hand edit the reader already ignores, and is replaced.
        String condition = "attribute_not_exists(" + t + ") OR NOT attribute_type(" + t + ", " + u.value("numberType", s("N")) + ") OR "
                + t + " < " + u.value("throttledUntil", n(until.toEpochMilli())) + " OR "
                + t + " > " + u.value("implausibleAfter", n(implausibleAfter.toEpochMilli()));
        try {
            retrying(() -> dynamo.updateItem(circuitRequest(u, condition)));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false; // another instance already throttled for at least as long
        }
    }

    @Override
    public void addTokens(LocalDate day, long tokens) {
        AttributeValue today = s(day.toString());
        for (int attempt = 1; ; attempt++) {
            // The common case: one atomic add to today's counter.
            // A counter that is not a non-negative number (a hand edit) fails this condition rather than the update
            // expression, and is restarted below at this call's tokens.
            UpdateItemRequest increment = UpdateItemRequest.builder().tableName(circuitTableName).key(circuitKey())
                    .updateExpression("SET #tokensUsed = if_not_exists(#tokensUsed, :zero) + :tokens")
                    .conditionExpression("#budgetDay = :day AND (attribute_not_exists(#tokensUsed) OR "
                            + "(attribute_type(#tokensUsed, :numberType) AND #tokensUsed >= :zero))")
                    .expressionAttributeNames(Map.of("#tokensUsed", "tokensUsed", "#budgetDay", "budgetDay"))
                    .expressionAttributeValues(Map.of(":day", today, ":zero", n(0), ":tokens", n(tokens), ":numberType", s("N")))
                    .build();
            try {
                retrying(() -> dynamo.updateItem(increment));
                return;
            } catch (ConditionalCheckFailedException newDay) {
                // The first count of a new UTC day starts the counter; of two instances racing to, one wins and
                // the other adds to what it wrote.
                Update start = new Update().set("budgetDay", today).set("tokensUsed", n(tokens));
                String used = start.name("tokensUsed");
                String otherDayOrUnreadable = "attribute_not_exists(" + start.name("budgetDay") + ") OR " + start.name("budgetDay") + " <> "
                        + start.value("budgetDay", today) + " OR NOT attribute_type(" + used + ", " + start.value("numberType", s("N")) + ") OR "
                        + used + " < " + start.value("zero", n(0));
                try {
                    retrying(() -> dynamo.updateItem(circuitRequest(start, otherDayOrUnreadable)));
                    return;
                } catch (ConditionalCheckFailedException raced) {
                    if (attempt >= 3) {
                        throw raced;
                    }
                }
            }
        }
    }

    @Override
    public void writeStackSettings(StackSettings settings) {
        Map<String, AttributeValue> map = new HashMap<>();
        settings.modelId().ifPresent(m -> map.put("model", s(m)));
        settings.maxTokensValue().ifPresent(t -> map.put("maxTokens", n(t)));
        settings.baseUrlValue().ifPresent(u -> map.put("baseUrl", s(u)));
        settings.tokenBudgetValue().ifPresent(b -> map.put("tokenBudget", n(b)));
        Update u = new Update().set("stackSettings", AttributeValue.fromM(map));
        retrying(() -> dynamo.updateItem(circuitRequest(u, null)));
    }

    private UpdateItemRequest circuitRequest(Update u, String condition) {
        return UpdateItemRequest.builder()
                .tableName(circuitTableName)
                .key(circuitKey())
                .updateExpression(u.expression())
                .conditionExpression(condition)
                .expressionAttributeNames(u.names())
                .expressionAttributeValues(u.values())
                .build();
    }

    private Map<String, AttributeValue> circuitKey() {
        return Map.of(CircuitItem.PK, s(provider));
    }

    // ---------------------------------------------------------------- shared

    /** A single-item write, tried again when it meets a transaction in flight on the same item. */
    private <T> T retrying(Supplier<T> write) {
        for (int attempt = 1; ; attempt++) {
            try {
                return write.get();
            } catch (TransactionConflictException e) {
                if (attempt >= MAX_CONFLICT_ATTEMPTS) {
                    throw e;
                }
                backoff.pause(attempt);
            }
        }
    }

    private static AttributeValue id(ContentKey key) {
        return AttributeValue.fromN(key.contentId().toString());
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
