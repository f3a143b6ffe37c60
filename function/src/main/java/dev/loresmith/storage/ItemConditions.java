package dev.loresmith.storage;

import dev.loresmith.item.ContentStatus;
import dev.loresmith.item.Guard;
import software.amazon.awssdk.enhanced.dynamodb.Expression;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.Map;

/**
 * Each kind of {@link Guard} rendered once into a DynamoDB condition: a self-contained {@link Expression} (text,
 * names and values together) that merges with others by {@link Expression#and}. Placeholders are fixed per guard
 * kind ({@code #status}, {@code :g_unleasedAt}, ...), so two guards can only share a placeholder when they mean
 * the same attribute or the same value; the update's own placeholders ({@link Update}) never start with {@code :g_}.
 */
final class ItemConditions {

    private ItemConditions() {
    }

    static Expression render(Guard guard) {
        if (guard instanceof Guard.Absent) {
            return condition("attribute_not_exists(#pk)", Map.of("#pk", ContentRow.PK), Map.of());
        }
        if (guard instanceof Guard.StatusIs is) {
            return condition("#status = :g_status_" + is.status().wireName(), Map.of("#status", "status"),
                    Map.of(":g_status_" + is.status().wireName(), AttributeValue.fromS(is.status().wireName())));
        }
        if (guard instanceof Guard.NotReady) {
            return condition("attribute_not_exists(#pk) OR #status <> :g_status_ready", Map.of("#pk", ContentRow.PK, "#status", "status"),
                    Map.of(":g_status_ready", AttributeValue.fromS(ContentStatus.READY.wireName())));
        }
        if (guard instanceof Guard.Unleased unleased) {
            return condition("attribute_not_exists(#leaseUntil) OR #leaseUntil < :g_unleasedAt", Map.of("#leaseUntil", "leaseUntil"),
                    Map.of(":g_unleasedAt", millis(unleased.now().toEpochMilli())));
        }
        if (guard instanceof Guard.LeasedBy leasedBy) {
            return condition("#leaseOwner = :g_worker", Map.of("#leaseOwner", "leaseOwner"),
                    Map.of(":g_worker", AttributeValue.fromS(leasedBy.worker())));
        }
        if (guard instanceof Guard.NotFinishedSince since) {
            return condition("attribute_not_exists(#attemptClaimedAt) OR #attemptClaimedAt <= :g_requestedAt",
                    Map.of("#attemptClaimedAt", "attemptClaimedAt"), Map.of(":g_requestedAt", millis(since.requestedAt().toEpochMilli())));
        }
        if (guard instanceof Guard.FollowUpOf of) {
            String value = ":g_followUp_" + of.kind().wireName();
            return condition("begins_with(#followUp, " + value + ")", Map.of("#followUp", "followUp"),
                    Map.of(value, AttributeValue.fromS(of.kind().wireName() + "#")));
        }
        if (guard instanceof Guard.FollowUpDue due) {
            return condition("#followUpAt <= :g_dueAt", Map.of("#followUpAt", "followUpAt"), Map.of(":g_dueAt", millis(due.now().toEpochMilli())));
        }
        if (guard instanceof Guard.NoFollowUp) {
            return condition("attribute_exists(#pk) AND attribute_not_exists(#followUp)", Map.of("#pk", ContentRow.PK, "#followUp", "followUp"),
                    Map.of());
        }
        if (guard instanceof Guard.AllOf all) {
            return Expression.and(all.guards().stream().map(ItemConditions::render).toList());
        }
        if (guard instanceof Guard.AnyOf any) {
            return Expression.or(any.guards().stream().map(ItemConditions::render).toList());
        }
        throw new IllegalArgumentException("no rendering for guard " + guard.getClass().getSimpleName());
    }

    private static Expression condition(String text, Map<String, String> names, Map<String, AttributeValue> values) {
        return Expression.builder().expression(text).expressionNames(names).expressionValues(values).build();
    }

    private static AttributeValue millis(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
