package dev.loresmith.storage;

import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.content.Claim;
import dev.loresmith.content.ContentItem;
import dev.loresmith.content.ContentKey;
import dev.loresmith.content.ContentStatus;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbEnhancedClient;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbTable;
import software.amazon.awssdk.enhanced.dynamodb.Expression;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.model.PutItemEnhancedRequest;
import software.amazon.awssdk.enhanced.dynamodb.model.TransactPutItemEnhancedRequest;
import software.amazon.awssdk.enhanced.dynamodb.model.TransactUpdateItemEnhancedRequest;
import software.amazon.awssdk.enhanced.dynamodb.model.TransactWriteItemsEnhancedRequest;
import software.amazon.awssdk.enhanced.dynamodb.model.UpdateItemEnhancedRequest;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.RequestLimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Both tables on DynamoDB. Item mapping goes through static Enhanced-client schemas; the two writes
 * whose update expressions the Enhanced client cannot express ({@code if_not_exists}, REMOVE) use the
 * low-level client with the same schemas. Every state change is a conditional write.
 */
public final class DynamoDbTables implements ContentStore, CircuitStore {

    private static final String NOT_READY = "attribute_not_exists(#pk) OR #status <> :ready";
    private static final AttributeValue READY = s(ContentStatus.READY.wireName());
    private static final AttributeValue PENDING = s(ContentStatus.PENDING.wireName());
    private static final AttributeValue FAILED = s(ContentStatus.FAILED.wireName());

    private final DynamoDbClient dynamo;
    private final DynamoDbEnhancedClient enhanced;
    private final DynamoDbTable<ContentRow> content;
    private final DynamoDbTable<CircuitRow> circuits;
    private final String contentTableName;
    private final String provider;

    public DynamoDbTables(DynamoDbClient dynamo, String contentTableName, String circuitTableName, String provider) {
        this.enhanced = DynamoDbEnhancedClient.builder().dynamoDbClient(dynamo).build();
        this.dynamo = dynamo;
        this.content = enhanced.table(contentTableName, ContentRow.SCHEMA);
        this.circuits = enhanced.table(circuitTableName, CircuitRow.SCHEMA);
        this.contentTableName = contentTableName;
        this.provider = provider;
    }

    @Override
    public Claim claim(ContentKey key, String worker, Instant now, Instant leaseUntil) {
        UpdateItemRequest request = toPending(key,
                "requestedAt = if_not_exists(requestedAt, :now), leaseOwner = :worker, leaseUntil = :until",
                // Absent; failed (a new delivery — a replay from the dead-letter queue, say — tries again);
                // or pending with no live lease (a worker that died frees the item when its lease ends).
                "attribute_not_exists(#pk) OR #status = :failed OR (#status = :pending AND "
                        + "(attribute_not_exists(leaseUntil) OR leaseUntil < :nowMillis))",
                Map.of(":now", s(now.toString()),
                        ":worker", s(worker),
                        ":until", n(leaseUntil.toEpochMilli()),
                        ":nowMillis", n(now.toEpochMilli())));
        try {
            UpdateItemResponse response = dynamo.updateItem(request);
            return new Claim.Claimed(toItem(response.attributes()));
        } catch (ConditionalCheckFailedException e) {
            ContentItem existing = toItem(e.item());
            return existing.status() == ContentStatus.PENDING ? new Claim.Leased(existing) : new Claim.AlreadyFinished(existing);
        }
    }

    @Override
    public Optional<ContentItem> find(ContentKey key) {
        ContentRow row = content.getItem(r -> r.key(contentKey(key)).consistentRead(true));
        return Optional.ofNullable(row).map(ContentRow::toItem);
    }

    @Override
    public ContentItem request(ContentKey key, Instant now) {
        UpdateItemRequest request = toPending(key, "requestedAt = :now", "attribute_not_exists(#pk) OR #status = :failed",
                Map.of(":now", s(now.toString())));
        try {
            return toItem(dynamo.updateItem(request).attributes());
        } catch (ConditionalCheckFailedException e) {
            return toItem(e.item()); // already pending or ready: leave it as it is
        }
    }

    /**
     * One conditional UpdateItem that makes the item {@code pending} — its key attributes set, text, model and
     * generatedAt removed, plus {@code set} — if {@code condition} holds. Returns the new item, or on a failed
     * condition the old one (ReturnValuesOnConditionCheckFailure), so no read is ever needed first.
     */
    private UpdateItemRequest toPending(ContentKey key, String set, String condition, Map<String, AttributeValue> values) {
        Map<String, AttributeValue> all = new java.util.HashMap<>(values);
        all.put(":type", s(key.contentType()));
        all.put(":id", AttributeValue.fromN(key.contentId().toString()));
        all.put(":pending", PENDING);
        all.put(":failed", FAILED);
        return UpdateItemRequest.builder()
                .tableName(contentTableName)
                .key(Map.of(ContentRow.PK, s(ContentRow.pk(key))))
                .updateExpression("SET contentType = :type, contentId = :id, #status = :pending, " + set
                        + " REMOVE #text, #model, generatedAt")
                .conditionExpression(condition)
                .expressionAttributeNames(Map.of("#pk", ContentRow.PK, "#status", "status", "#text", "text", "#model", "model"))
                .expressionAttributeValues(all)
                .returnValues(ReturnValue.ALL_NEW)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build();
    }

    @Override
    public boolean finish(ContentItem finished) {
        PutItemEnhancedRequest.Builder<ContentRow> put = PutItemEnhancedRequest.builder(ContentRow.class).item(ContentRow.of(finished));
        if (finished.status() != ContentStatus.READY) {
            put.conditionExpression(notReady());
        }
        try {
            content.putItem(put.build());
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public boolean finishIfPending(ContentItem finished) {
        Expression pendingOrAbsent = Expression.builder()
                .expression("attribute_not_exists(#pk) OR #status = :pending")
                .expressionNames(Map.of("#pk", ContentRow.PK, "#status", "status"))
                .expressionValues(Map.of(":pending", PENDING))
                .build();
        try {
            content.putItem(PutItemEnhancedRequest.builder(ContentRow.class).item(ContentRow.of(finished))
                    .conditionExpression(pendingOrAbsent).build());
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public Commit finishWithCircuit(ContentItem finished, CircuitRecord expected, CircuitRecord next) {
        TransactPutItemEnhancedRequest.Builder<ContentRow> put = TransactPutItemEnhancedRequest.builder(ContentRow.class)
                .item(ContentRow.of(finished));
        if (finished.status() != ContentStatus.READY) {
            put.conditionExpression(notReady());
        }
        try {
            enhanced.transactWriteItems(TransactWriteItemsEnhancedRequest.builder()
                    .addPutItem(content, put.build())
                    .addUpdateItem(circuits, circuitUpdate(expected, next))
                    .build());
            return Commit.COMMITTED;
        } catch (TransactionCanceledException e) {
            List<CancellationReason> reasons = e.cancellationReasons();
            boolean itemReady = !reasons.isEmpty() && "ConditionalCheckFailed".equals(reasons.get(0).code());
            return itemReady ? Commit.ITEM_ALREADY_READY : Commit.CIRCUIT_CHANGED;
        } catch (ProvisionedThroughputExceededException | RequestLimitExceededException e) {
            return Commit.CIRCUIT_CHANGED; // throttled after the SDK's own retries: back off and decide again
        } catch (DynamoDbException e) {
            if (e.isThrottlingException()) {
                return Commit.CIRCUIT_CHANGED;
            }
            throw e;
        }
    }

    @Override
    public ProviderConfig read() {
        CircuitRow row = circuits.getItem(r -> r.key(Key.builder().partitionValue(provider).build()).consistentRead(true));
        return row == null ? ProviderConfig.initial() : row.toConfig();
    }

    @Override
    public boolean replace(CircuitRecord expected, CircuitRecord next) {
        TransactUpdateItemEnhancedRequest<CircuitRow> update = circuitUpdate(expected, next);
        try {
            circuits.updateItem(UpdateItemEnhancedRequest.builder(CircuitRow.class)
                    .item(update.item())
                    .ignoreNulls(true)
                    .conditionExpression(update.conditionExpression())
                    .build());
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    private TransactUpdateItemEnhancedRequest<CircuitRow> circuitUpdate(CircuitRecord expected, CircuitRecord next) {
        // Version 0 is also what an item without a version (or no item at all) reads as.
        Expression sameVersion = Expression.builder()
                .expression(expected.version() == 0 ? "attribute_not_exists(#version) OR #version = :version" : "#version = :version")
                .expressionNames(Map.of("#version", "version"))
                .expressionValues(Map.of(":version", n(expected.version())))
                .build();
        return TransactUpdateItemEnhancedRequest.builder(CircuitRow.class)
                .item(CircuitRow.of(provider, next))
                .ignoreNulls(true) // leaves model / maxTokens overrides untouched
                .conditionExpression(sameVersion)
                .build();
    }

    private static Expression notReady() {
        return Expression.builder()
                .expression(NOT_READY)
                .expressionNames(Map.of("#pk", ContentRow.PK, "#status", "status"))
                .expressionValues(Map.of(":ready", READY))
                .build();
    }

    private static Key contentKey(ContentKey key) {
        return Key.builder().partitionValue(ContentRow.pk(key)).build();
    }

    private static ContentItem toItem(Map<String, AttributeValue> attributes) {
        return ContentRow.SCHEMA.mapToItem(attributes).toItem();
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
