package dev.loresmith.storage;

import dev.loresmith.content.ContentKey;
import dev.loresmith.item.Claim;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.item.FollowUp;
import dev.loresmith.item.Guard;
import dev.loresmith.item.ItemLifecycle;
import dev.loresmith.retry.Retry;
import dev.loresmith.aws.CallTimeouts;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.enhanced.dynamodb.Expression;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.RequestLimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.TransactionInProgressException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The content table on DynamoDB. Reads map items through the static schema of {@link ContentRow}; every write is one
 * conditional UpdateItem whose condition is the lifecycle's guard for it ({@link ItemLifecycle}, rendered by
 * {@link ItemConditions}) and whose refusal the lifecycle reads from the item DynamoDB returns. A finish that moves
 * the circuit is one {@code TransactWriteItems} with the circuit table's conditional update.
 */
public final class ContentTable implements ContentStore {

    private final DynamoDbClient dynamo;
    private final String tableName;
    private final CircuitTable circuits;
    private final Conflicts conflicts;

    /** When every call must have ended, and the clock that tells the time left; null for the client's own bounds. */
    private final Instant deadline;
    private final Clock clock;

    public ContentTable(DynamoDbClient dynamo, String tableName, CircuitTable circuits, Retry conflictRetry) {
        this(dynamo, tableName, circuits, new Conflicts(conflictRetry), null, null);
    }

    private ContentTable(DynamoDbClient dynamo, String tableName, CircuitTable circuits, Conflicts conflicts, Instant deadline, Clock clock) {
        this.dynamo = dynamo;
        this.tableName = tableName;
        this.circuits = circuits;
        this.conflicts = conflicts;
        this.deadline = deadline;
        this.clock = clock;
    }

    @Override
    public ContentTable within(Instant deadline, Clock clock) {
        return new ContentTable(dynamo, tableName, circuits, conflicts, deadline, clock);
    }

    /** The override that cuts one call to the time left before the deadline; null when there is none. */
    private AwsRequestOverrideConfiguration bound() {
        if (deadline == null) {
            return null;
        }
        Duration left = Duration.between(clock.instant(), deadline);
        return CallTimeouts.within(CallTimeouts.worthStarting(left) ? left : CallTimeouts.SHORTEST);
    }

    @Override
    public Claim claim(ContentKey key, Claim.Kind kind, Instant requestedAt, String worker, Instant now, Instant leaseUntil, String context,
                       Instant requeueAt) {
        Update u = new Update();
        if (kind != Claim.Kind.UPGRADE) {
            // A failed item keeps its text and status while leased: the fallback stays readable until something better replaces it.
            u.set("contentType", s(key.contentType())).set("contentId", id(key))
                    .setIfNotExists("status", s(ContentStatus.PENDING.wireName())).setIfNotExists("requestedAt", s(now.toString()))
                    .set("leaseOwner", s(worker)).set("leaseUntil", n(leaseUntil.toEpochMilli()))
                    .setOrRemove("context", context == null ? null : s(context))
                    .setIfNotExists("followUp", s(ContentRow.followUpPartition(FollowUp.Kind.REQUEUE, key)))
                    .set("followUpAt", n(requeueAt.toEpochMilli()));
        } else {
            // Moving followUpAt to the lease's end keeps sweeps from enqueuing it again while it runs, and makes it
            // due again should this worker die. The count of upgrade claims that never finished says when to stop.
            u.set("leaseOwner", s(worker)).set("leaseUntil", n(leaseUntil.toEpochMilli())).set("followUpAt", n(leaseUntil.toEpochMilli()))
                    .increment("unfinishedUpgrades");
        }
        Guard guard = ItemLifecycle.claimable(kind, now, requestedAt);
        try {
            return new Claim.Claimed(ContentRow.toItem(write(key, u, guard, ReturnValue.ALL_NEW).attributes()));
        } catch (ConditionalCheckFailedException e) {
            return ItemLifecycle.refusedClaim(kind, returned(e), now, ContentItem.pending(key, now, null));
        }
    }

    @Override
    public Optional<ContentItem> find(ContentKey key) {
        GetItemResponse found = dynamo.getItem(r -> r.tableName(tableName).key(key(key)).consistentRead(true).overrideConfiguration(bound()));
        return found.hasItem() && !found.item().isEmpty() ? Optional.of(ContentRow.toItem(found.item())) : Optional.empty();
    }

    @Override
    public ContentItem request(ContentKey key, Instant now, String context, Instant requeueAt) {
        Update u = new Update().set("contentType", s(key.contentType())).set("contentId", id(key))
                .set("status", s(ContentStatus.PENDING.wireName())).set("requestedAt", s(now.toString()))
                .set("followUp", s(ContentRow.followUpPartition(FollowUp.Kind.REQUEUE, key))).set("followUpAt", n(requeueAt.toEpochMilli()));
        if (context != null) {
            u.set("context", s(context));
        }
        try {
            return ContentRow.toItem(write(key, u, ItemLifecycle.requestable(), ReturnValue.ALL_NEW).attributes());
        } catch (ConditionalCheckFailedException e) {
            return ContentRow.toItem(e.item()); // it exists: leave it as it is
        }
    }

    @Override
    public Commit finish(ContentItem finished, String worker, List<CircuitStore.CircuitMove> moves) {
        Update u = finishUpdate(finished);
        Guard guard = ItemLifecycle.finishable(worker);
        List<CircuitStore.CircuitMove> changes = moves.stream().filter(CircuitStore.CircuitMove::changes).toList();
        if (changes.isEmpty()) {
            try {
                write(finished.key(), u, guard, ReturnValue.NONE);
                return Commit.COMMITTED;
            } catch (ConditionalCheckFailedException e) {
                // The SDK's retry of a write that landed but timed out finds the lease already released — by us.
                return ItemLifecycle.writtenAlready(returned(e), finished) ? Commit.COMMITTED : Commit.LEASE_LOST;
            }
        }
        List<TransactWriteItem> writes = new ArrayList<>();
        writes.add(transactItem(u.request(tableName, key(finished.key()), ItemConditions.render(guard)).build(), true));
        changes.forEach(move -> writes.add(transactItem(circuits.moveRequest(move), false)));
        try {
            dynamo.transactWriteItems(r -> r
                    // the same token on the SDK's own retries: a transaction that committed but timed out is not applied twice
                    .clientRequestToken(UUID.randomUUID().toString())
                    .transactItems(writes)
                    .overrideConfiguration(bound()));
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

    private static TransactWriteItem transactItem(UpdateItemRequest update, boolean returnOld) {
        return TransactWriteItem.builder().update(x -> x.tableName(update.tableName()).key(update.key())
                .updateExpression(update.updateExpression()).conditionExpression(update.conditionExpression())
                .expressionAttributeNames(update.expressionAttributeNames())
                .expressionAttributeValues(update.expressionAttributeValues())
                .returnValuesOnConditionCheckFailure(returnOld ? ReturnValuesOnConditionCheckFailure.ALL_OLD : null)).build();
    }

    /** Every public attribute as {@code finished} must read, the lease released. */
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
                .setOrRemove("provider", finished.provider() == null ? null : s(finished.provider()))
                .setOrRemove("providerReasons", reasons(finished))
                .setOrRemove("attemptClaimedAt", finished.attemptClaimedAt() == null ? null : n(finished.attemptClaimedAt().toEpochMilli()))
                .remove("leaseOwner").remove("leaseUntil").remove("unfinishedUpgrades");
        followUp(u, finished);
        return u;
    }

    /** Each provider's reason for a fallback, as a map attribute; null (removed) when there are none. */
    private static AttributeValue reasons(ContentItem item) {
        if (item.providerReasons().isEmpty()) {
            return null;
        }
        Map<String, AttributeValue> map = new LinkedHashMap<>();
        item.providerReasons().forEach((provider, reason) -> map.put(provider, s(reason)));
        return AttributeValue.fromM(map);
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
                .remove("leaseOwner").remove("leaseUntil").remove("provider").remove("providerReasons");
        if (fallback.context() != null) {
            u.setIfNotExists("context", s(fallback.context()));
        }
        followUp(u, fallback);
        try {
            write(fallback.key(), u, ItemLifecycle.unclaimedFallbackAllowed(now), ReturnValue.NONE);
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public ItemLifecycle.Mark markForReplay(ContentKey key, Instant now) {
        Update u = new Update().set("followUp", s(ContentRow.followUpPartition(FollowUp.Kind.REPLAY, key))).set("followUpAt", n(now.toEpochMilli()));
        try {
            write(key, u, ItemLifecycle.replayMarkable(now), ReturnValue.NONE);
            return ItemLifecycle.Mark.MARKED;
        } catch (ConditionalCheckFailedException e) {
            return ItemLifecycle.refusedMark(returned(e), now);
        }
    }

    @Override
    public List<ContentKey> dueFollowUps(FollowUp.Kind kind, Instant now, int limit) {
        record Due(ContentKey key, long at) {
        }
        List<Due> due = new ArrayList<>();
        for (int shard = 0; shard < ContentRow.FOLLOW_UP_SHARDS && limit > 0; shard++) {
            String partition = kind.wireName() + "#" + shard;
            QueryResponse page = dynamo.query(r -> r.tableName(tableName).indexName(ContentRow.FOLLOW_UPS_INDEX).overrideConfiguration(bound())
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
        try {
            write(key, new Update().remove("followUp").remove("followUpAt"), ItemLifecycle.followUpClearable(kind), ReturnValue.NONE);
        } catch (ConditionalCheckFailedException e) {
            // it changed since the sweep read it (claimed and finished meanwhile): nothing to clear
        }
    }

    @Override
    public void requeued(ContentKey key, Instant next) {
        try {
            write(key, new Update().set("followUpAt", n(next.toEpochMilli())), ItemLifecycle.requeueMovable(), ReturnValue.NONE);
        } catch (ConditionalCheckFailedException e) {
            // finished (or claimed and finished) since the sweep read it: nothing owed
        }
    }

    /** One conditional UpdateItem of the item, retried on a transaction conflict; a refusal returns the item as it was. */
    private UpdateItemResponse write(ContentKey key, Update u, Guard guard, ReturnValue returns) {
        Expression condition = ItemConditions.render(guard);
        UpdateItemRequest request = u.request(tableName, key(key), condition)
                .returnValues(returns)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .overrideConfiguration(bound())
                .build();
        return conflicts.retrying(() -> dynamo.updateItem(request));
    }

    private static Optional<ContentItem> returned(ConditionalCheckFailedException e) {
        return e.hasItem() && !e.item().isEmpty() ? Optional.of(ContentRow.toItem(e.item())) : Optional.empty();
    }

    private static Map<String, AttributeValue> key(ContentKey key) {
        return Map.of(ContentRow.PK, s(ContentRow.pk(key)));
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
