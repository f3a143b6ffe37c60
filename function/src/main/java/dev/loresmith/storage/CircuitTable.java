package dev.loresmith.storage;

import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.ForcedState;
import dev.loresmith.llm.Provider;
import dev.loresmith.retry.Pause;
import dev.loresmith.retry.Retry;
import dev.loresmith.retry.RetryPolicy;
import software.amazon.awssdk.enhanced.dynamodb.Expression;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The circuit/config table on DynamoDB: one item per provider and the stack item. The config is one BatchGetItem with
 * consistent reads — not TransactGetItems, which DynamoDB cancels while a transaction writes one of the items, and
 * transactions write circuit items on every counted failure. Every circuit write is conditioned on the version the
 * writer read ({@link #versionIs}); counters and the throttle move by update expressions that never put back an older
 * value. A write that meets a transaction in flight on the same item is tried again.
 */
public final class CircuitTable implements CircuitStore {

    /** Two instances racing to start a new day's counter: one wins, the other adds to it — a third try is never needed. */
    static final RetryPolicy NEW_DAY_RACE = RetryPolicy.attempts(3);

    /** Keys a BatchGetItem left unprocessed (throttling) are asked for again, at once, a bounded number of times. */
    static final RetryPolicy UNPROCESSED_KEYS = RetryPolicy.attempts(3);

    private final DynamoDbClient dynamo;
    private final String tableName;
    private final Conflicts conflicts;
    private final Retry newDayRace;
    private final Retry unprocessedKeys;

    public CircuitTable(DynamoDbClient dynamo, String tableName, Retry conflictRetry) {
        this.dynamo = dynamo;
        this.tableName = tableName;
        this.conflicts = new Conflicts(conflictRetry);
        this.newDayRace = new Retry(NEW_DAY_RACE, Pause.NONE, Clock.systemUTC());
        this.unprocessedKeys = new Retry(UNPROCESSED_KEYS, Pause.NONE, Clock.systemUTC());
    }

    @Override
    public Config read() {
        Map<String, Map<String, AttributeValue>> found = new HashMap<>();
        List<Map<String, AttributeValue>> keys = new ArrayList<>();
        keys.add(key(CircuitItem.STACK));
        for (Provider provider : Provider.values()) {
            keys.add(key(provider.wireName()));
        }
        AtomicReference<List<Map<String, AttributeValue>>> wanted = new AtomicReference<>(keys);
        unprocessedKeys.run(attempt -> {
            BatchGetItemResponse response = dynamo.batchGetItem(r -> r.requestItems(Map.of(tableName,
                    KeysAndAttributes.builder().keys(wanted.get()).consistentRead(true).build())));
            response.responses().getOrDefault(tableName, List.of()).forEach(item -> found.put(item.get(CircuitItem.PK).s(), item));
            KeysAndAttributes left = response.unprocessedKeys().get(tableName);
            if (left == null || left.keys().isEmpty()) {
                return Retry.Step.done(null);
            }
            wanted.set(left.keys());
            return Retry.Step.againOrThrow(ProvisionedThroughputExceededException.builder()
                    .message("config items left unprocessed after " + UNPROCESSED_KEYS.maxAttempts() + " reads").build());
        });
        Map<Provider, ProviderConfig> providers = new EnumMap<>(Provider.class);
        for (Provider provider : Provider.values()) {
            providers.put(provider, CircuitItem.parseProvider(found.get(provider.wireName())));
        }
        return new Config(CircuitItem.parseStack(withLegacySettings(found.get(CircuitItem.STACK), found.get(Provider.ANTHROPIC.wireName()))),
                providers);
    }

    /**
     * A stack deployed before there was a stack item kept its settings on the anthropic item. Until the custom resource
     * writes them to the stack item (the first deploy of this version, after the functions may already run), those are
     * the stack's settings: a deploy never serves the built-in defaults in between. After that the custom resource keeps
     * them equal (for a rollback to the older code), so a stack item deleted by hand still finds the current settings.
     */
    static Map<String, AttributeValue> withLegacySettings(Map<String, AttributeValue> stack, Map<String, AttributeValue> anthropic) {
        boolean stackHasSettings = stack != null && stack.containsKey(CircuitItem.STACK_SETTINGS);
        if (stackHasSettings || anthropic == null || !anthropic.containsKey(CircuitItem.STACK_SETTINGS)) {
            return stack;
        }
        Map<String, AttributeValue> merged = new HashMap<>(stack == null ? Map.of() : stack);
        merged.put(CircuitItem.STACK_SETTINGS, anthropic.get(CircuitItem.STACK_SETTINGS));
        return merged;
    }

    @Override
    public CircuitRecord circuit(Provider provider) {
        return CircuitItem.parseProvider(dynamo.getItem(r -> r.tableName(tableName).key(key(provider.wireName())).consistentRead(true)).item())
                .circuit();
    }

    @Override
    public boolean replace(Provider provider, CircuitRecord expected, CircuitRecord next) {
        try {
            conflicts.retrying(() -> dynamo.updateItem(moveRequest(new CircuitMove(provider, expected, next))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** Sets every circuit attribute of the move's next record if the stored version is still the expected one's; nothing else. */
    UpdateItemRequest moveRequest(CircuitMove move) {
        Update u = new Update();
        CircuitItem.circuitValues(move.next()).forEach(u::set);
        if (move.next().forced() == ForcedState.NONE) {
            u.remove("forcedState");
        }
        return u.request(tableName, key(move.provider().wireName()), versionIs(move.expected().version())).build();
    }

    /**
     * The stored version is {@code version}. Version 0 is also what an item without a version, or with one the code
     * cannot read (a string typed in the console, a negative or out-of-range number), reads as: such a write replaces it
     * and repairs the item. A fraction reads as its whole part, so the condition is a unit range (for whole numbers,
     * equality).
     */
    static Expression versionIs(long version) {
        Map<String, String> names = Map.of("#version", "version");
        if (version == 0) {
            return Expression.builder()
                    .expression("attribute_not_exists(#version) OR NOT attribute_type(#version, :g_numberType) OR #version < :g_one"
                            + " OR #version > :g_maxVersion")
                    .expressionNames(names)
                    .expressionValues(Map.of(":g_numberType", AttributeValue.fromS("N"), ":g_one", n(1), ":g_maxVersion", n(Long.MAX_VALUE)))
                    .build();
        }
        return Expression.builder()
                .expression("#version >= :g_version AND #version < :g_nextVersion")
                .expressionNames(names)
                .expressionValues(Map.of(":g_version", n(version),
                        ":g_nextVersion", AttributeValue.fromN(BigInteger.valueOf(version).add(BigInteger.ONE).toString())))
                .build();
    }

    @Override
    public boolean throttleUntil(Provider provider, Instant until, String reason, Instant implausibleAfter) {
        Update u = new Update().set("throttledUntil", n(until.toEpochMilli())).set("throttleReason", AttributeValue.fromS(reason));
        // Only ever forward — except over a value no throttle of ours could have written (not a number, or further
        // ahead than the longest hold): that one is a hand edit the reader already ignores, and is replaced.
        Expression forward = Expression.builder()
                .expression("attribute_not_exists(#throttledUntil) OR NOT attribute_type(#throttledUntil, :g_numberType)"
                        + " OR #throttledUntil < :g_until OR #throttledUntil > :g_implausibleAfter")
                .expressionNames(Map.of("#throttledUntil", "throttledUntil"))
                .expressionValues(Map.of(":g_numberType", AttributeValue.fromS("N"), ":g_until", n(until.toEpochMilli()),
                        ":g_implausibleAfter", n(implausibleAfter.toEpochMilli())))
                .build();
        try {
            conflicts.retrying(() -> dynamo.updateItem(u.request(tableName, key(provider.wireName()), forward).build()));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false; // another instance already throttled for at least as long
        }
    }

    @Override
    public boolean claimSpendLimitCheck(Provider provider, Instant passed, Instant until) {
        Update u = new Update().set("throttledUntil", n(until.toEpochMilli()));
        try {
            conflicts.retrying(() -> dynamo.updateItem(u.request(tableName, key(provider.wireName()), spendLimitHold(passed)).build()));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false; // another caller checks it, or the hold moved on
        }
    }

    @Override
    public void liftSpendLimit(Provider provider, Instant until) {
        Update u = new Update().remove("throttledUntil").remove("throttleReason");
        try {
            conflicts.retrying(() -> dynamo.updateItem(u.request(tableName, key(provider.wireName()), spendLimitHold(until)).build()));
        } catch (ConditionalCheckFailedException e) {
            // moved on since (another answer held everyone back again): leave it
        }
    }

    /** The stored hold is the spend-limit hold ending at {@code until}. */
    private static Expression spendLimitHold(Instant until) {
        return Expression.builder()
                .expression("#throttledUntil = :g_holdUntil AND #throttleReason = :g_spendLimit")
                .expressionNames(Map.of("#throttledUntil", "throttledUntil", "#throttleReason", "throttleReason"))
                .expressionValues(Map.of(":g_holdUntil", n(until.toEpochMilli()), ":g_spendLimit", AttributeValue.fromS(ProviderConfig.SPEND_LIMIT)))
                .build();
    }

    @Override
    public void addTokens(LocalDate day, long tokens) {
        AttributeValue today = AttributeValue.fromS(day.toString());
        newDayRace.run(attempt -> {
            // The common case: one atomic add to today's counter. A counter that is not a non-negative number (a hand
            // edit) fails this condition rather than the update expression, and is restarted below at this call's tokens.
            UpdateItemRequest increment = UpdateItemRequest.builder().tableName(tableName).key(key(CircuitItem.STACK))
                    .updateExpression("SET #tokensUsed = if_not_exists(#tokensUsed, :zero) + :tokens")
                    .conditionExpression("#budgetDay = :day AND (attribute_not_exists(#tokensUsed) OR "
                            + "(attribute_type(#tokensUsed, :numberType) AND #tokensUsed >= :zero))")
                    .expressionAttributeNames(Map.of("#tokensUsed", "tokensUsed", "#budgetDay", "budgetDay"))
                    .expressionAttributeValues(Map.of(":day", today, ":zero", n(0), ":tokens", n(tokens), ":numberType", AttributeValue.fromS("N")))
                    .build();
            try {
                conflicts.retrying(() -> dynamo.updateItem(increment));
                return Retry.Step.done(null);
            } catch (ConditionalCheckFailedException newDay) {
                // The first count of a new UTC day starts the counter; of two instances racing to, one wins and the
                // other adds to what it wrote. Only an older day is replaced (or a budgetDay no count writes: not a
                // date, or further ahead than tomorrow — a hand edit that would otherwise stop the counting): a late
                // count for yesterday, arriving after midnight, must not wipe today's.
                Update start = new Update().set("budgetDay", today).set("tokensUsed", n(tokens));
                Expression olderDayOrUnreadable = Expression.builder()
                        .expression("attribute_not_exists(#budgetDay) OR NOT attribute_type(#budgetDay, :g_stringType)"
                                + " OR size(#budgetDay) <> :g_dayLength OR #budgetDay < :g_day OR #budgetDay > :g_tomorrow"
                                + " OR (#budgetDay = :g_day AND (NOT attribute_type(#tokensUsed, :g_numberType) OR #tokensUsed < :g_zero))")
                        .expressionNames(Map.of("#budgetDay", "budgetDay", "#tokensUsed", "tokensUsed"))
                        .expressionValues(Map.of(":g_day", today, ":g_tomorrow", AttributeValue.fromS(day.plusDays(1).toString()),
                                ":g_stringType", AttributeValue.fromS("S"), ":g_dayLength", n(today.s().length()),
                                ":g_numberType", AttributeValue.fromS("N"), ":g_zero", n(0)))
                        .build();
                try {
                    conflicts.retrying(() -> dynamo.updateItem(start.request(tableName, key(CircuitItem.STACK), olderDayOrUnreadable)
                            .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD).build()));
                    return Retry.Step.done(null);
                } catch (ConditionalCheckFailedException refused) {
                    if (laterDay(refused, day)) {
                        return Retry.Step.done(null); // the counter already counts a later day: this day's budget is over
                    }
                    return Retry.Step.againOrThrow(refused); // another instance started this day meanwhile: add to it
                }
            }
        });
    }

    /** Whether the stack item a refused start returned counts a day after {@code day}. */
    private static boolean laterDay(ConditionalCheckFailedException refused, LocalDate day) {
        AttributeValue stored = refused.hasItem() ? refused.item().get("budgetDay") : null;
        if (stored == null || stored.s() == null) {
            return false;
        }
        try {
            return LocalDate.parse(stored.s()).isAfter(day);
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    @Override
    public void writeStackSettings(StackSettings settings) {
        Map<String, AttributeValue> map = new HashMap<>();
        settings.modelId().ifPresent(m -> map.put("model", AttributeValue.fromS(m)));
        settings.maxTokensValue().ifPresent(t -> map.put("maxTokens", n(t)));
        settings.baseUrlValue().ifPresent(u -> map.put("baseUrl", AttributeValue.fromS(u)));
        settings.tokenBudgetValue().ifPresent(b -> map.put("tokenBudget", n(b)));
        settings.providerOrder().ifPresent(p -> map.put("providers", AttributeValue.fromS(Provider.listText(p))));
        settings.bedrockModelId().ifPresent(m -> map.put("bedrockModel", AttributeValue.fromS(m)));
        Update u = new Update().set(CircuitItem.STACK_SETTINGS, AttributeValue.fromM(map));
        conflicts.retrying(() -> dynamo.updateItem(u.request(tableName, key(CircuitItem.STACK), null).build()));
        // A stack deployed before the stack item kept its settings on the anthropic item, where that code still reads
        // them: the same settings go there too. A rollback of this deploy runs this resource's Update (with the old
        // properties) before the old code is back, which then finds them; removing them instead would leave it the
        // built-in defaults. Only an item that exists, so no bare anthropic item is created.
        Update mirror = new Update().set(CircuitItem.STACK_SETTINGS, AttributeValue.fromM(map));
        Expression exists = Expression.builder().expression("attribute_exists(#pk)").expressionNames(Map.of("#pk", CircuitItem.PK)).build();
        try {
            conflicts.retrying(() -> dynamo.updateItem(mirror.request(tableName, key(Provider.ANTHROPIC.wireName()), exists).build()));
        } catch (ConditionalCheckFailedException e) {
            // no anthropic item: no code from before the stack item ever ran on this table
        }
    }

    private static Map<String, AttributeValue> key(String item) {
        return Map.of(CircuitItem.PK, AttributeValue.fromS(item));
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
