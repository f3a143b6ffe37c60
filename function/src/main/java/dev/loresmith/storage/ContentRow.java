package dev.loresmith.storage;

import dev.loresmith.content.ContentId;
import dev.loresmith.content.ContentKey;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.item.FollowUp;
import dev.loresmith.llm.Provider;
import software.amazon.awssdk.enhanced.dynamodb.EnhancedType;
import software.amazon.awssdk.enhanced.dynamodb.TableSchema;
import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.math.BigInteger;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;

/**
 * The content table's item layout. The key is {@code pk = "<contentType>#<contentId>"} so items spread
 * over partitions; {@code contentType}, {@code contentId} and the rest are the public attribute contract.
 * Times people read are ISO-8601 strings; times conditions compare are epoch milliseconds. An item owing
 * a follow-up carries {@code followUp = "<kind>#<shard>"} and {@code followUpAt}: the keys of the sparse
 * {@code FollowUps} index the sweep queries.
 */
final class ContentRow {

    static final String PK = "pk";
    static final String FOLLOW_UPS_INDEX = "FollowUps";
    /** The follow-up index is spread over this many partition values, queried one by one. */
    static final int FOLLOW_UP_SHARDS = 4;

    /** Static (reflection-free) schema: cheaper at cold start than a bean-introspected one. */
    static final TableSchema<ContentRow> SCHEMA = StaticTableSchema.builder(ContentRow.class)
            .newItemSupplier(ContentRow::new)
            .addAttribute(String.class, a -> a.name(PK).getter(r -> r.pk).setter((r, v) -> r.pk = v).tags(primaryPartitionKey()))
            .addAttribute(String.class, a -> a.name("contentType").getter(r -> r.contentType).setter((r, v) -> r.contentType = v))
            .addAttribute(BigInteger.class, a -> a.name("contentId").getter(r -> r.contentId).setter((r, v) -> r.contentId = v))
            .addAttribute(String.class, a -> a.name("status").getter(r -> r.status).setter((r, v) -> r.status = v))
            .addAttribute(String.class, a -> a.name("text").getter(r -> r.text).setter((r, v) -> r.text = v))
            .addAttribute(String.class, a -> a.name("model").getter(r -> r.model).setter((r, v) -> r.model = v))
            .addAttribute(String.class, a -> a.name("requestedAt").getter(r -> r.requestedAt).setter((r, v) -> r.requestedAt = v))
            .addAttribute(String.class, a -> a.name("generatedAt").getter(r -> r.generatedAt).setter((r, v) -> r.generatedAt = v))
            .addAttribute(String.class, a -> a.name("leaseOwner").getter(r -> r.leaseOwner).setter((r, v) -> r.leaseOwner = v))
            .addAttribute(Long.class, a -> a.name("leaseUntil").getter(r -> r.leaseUntil).setter((r, v) -> r.leaseUntil = v))
            .addAttribute(String.class, a -> a.name("context").getter(r -> r.context).setter((r, v) -> r.context = v))
            .addAttribute(String.class, a -> a.name("upgradedFrom").getter(r -> r.upgradedFrom).setter((r, v) -> r.upgradedFrom = v))
            .addAttribute(Integer.class, a -> a.name("attempts").getter(r -> r.attempts).setter((r, v) -> r.attempts = v))
            .addAttribute(Long.class, a -> a.name("attemptsSince").getter(r -> r.attemptsSince).setter((r, v) -> r.attemptsSince = v))
            .addAttribute(String.class, a -> a.name("followUp").getter(r -> r.followUp).setter((r, v) -> r.followUp = v))
            .addAttribute(Long.class, a -> a.name("followUpAt").getter(r -> r.followUpAt).setter((r, v) -> r.followUpAt = v))
            .addAttribute(String.class, a -> a.name("lastFailure").getter(r -> r.lastFailure).setter((r, v) -> r.lastFailure = v))
            .addAttribute(Long.class, a -> a.name("attemptedAt").getter(r -> r.attemptedAt).setter((r, v) -> r.attemptedAt = v))
            .addAttribute(String.class, a -> a.name("provider").getter(r -> r.provider).setter((r, v) -> r.provider = v))
            .addAttribute(EnhancedType.mapOf(String.class, String.class),
                    a -> a.name("providerReasons").getter(r -> r.providerReasons).setter((r, v) -> r.providerReasons = v))
            .addAttribute(Long.class, a -> a.name("attemptClaimedAt").getter(r -> r.attemptClaimedAt).setter((r, v) -> r.attemptClaimedAt = v))
            .addAttribute(Integer.class, a -> a.name("unfinishedUpgrades").getter(r -> r.unfinishedUpgrades).setter((r, v) -> r.unfinishedUpgrades = v))
            .build();

    private String pk;
    private String contentType;
    private BigInteger contentId;
    private String status;
    private String text;
    private String model;
    private String requestedAt;
    private String generatedAt;
    private String leaseOwner;
    private Long leaseUntil;
    private String context;
    private String upgradedFrom;
    private Integer attempts;
    private Long attemptsSince;
    private String followUp;
    private Long followUpAt;
    private String lastFailure;
    private Long attemptedAt;
    private String provider;
    private Map<String, String> providerReasons;
    private Long attemptClaimedAt;
    private Integer unfinishedUpgrades;

    static String pk(ContentKey key) {
        return key.contentType() + "#" + key.contentId();
    }

    /** {@code "<kind>#<shard>"}: the index partition an item's follow-up lives in. */
    static String followUpPartition(FollowUp.Kind kind, ContentKey key) {
        return kind.wireName() + "#" + key.contentId().mod(FOLLOW_UP_SHARDS);
    }

    private static FollowUp.Kind kindOf(String partition) {
        for (FollowUp.Kind kind : FollowUp.Kind.values()) {
            if (partition.startsWith(kind.wireName() + "#")) {
                return kind;
            }
        }
        return FollowUp.Kind.UPGRADE;
    }

    static ContentKey keyOf(String pk) {
        int hash = pk.lastIndexOf('#');
        return new ContentKey(pk.substring(0, hash), ContentId.parse(pk.substring(hash + 1)));
    }

    static ContentItem toItem(Map<String, AttributeValue> attributes) {
        return SCHEMA.mapToItem(attributes).toItem();
    }

    ContentItem toItem() {
        return new ContentItem(
                new ContentKey(contentType, ContentId.of(contentId)),
                ContentStatus.fromWireName(status),
                text,
                model,
                requestedAt == null ? Instant.EPOCH : Instant.parse(requestedAt),
                generatedAt == null ? null : Instant.parse(generatedAt),
                leaseOwner,
                leaseUntil == null ? null : Instant.ofEpochMilli(leaseUntil),
                context,
                upgradedFrom,
                attempts == null ? 0 : attempts,
                attemptsSince == null ? null : Instant.ofEpochMilli(attemptsSince),
                followUp == null || followUpAt == null ? null : new FollowUp(kindOf(followUp), Instant.ofEpochMilli(followUpAt)),
                lastFailure,
                attemptedAt == null ? null : Instant.ofEpochMilli(attemptedAt),
                provider,
                inPreferenceOrder(providerReasons),
                attemptClaimedAt == null ? null : Instant.ofEpochMilli(attemptClaimedAt),
                unfinishedUpgrades == null ? 0 : unfinishedUpgrades);
    }

    /** A stored map of reasons (DynamoDB keeps no order), ordered as the providers are declared. */
    private static Map<String, String> inPreferenceOrder(Map<String, String> stored) {
        if (stored == null || stored.isEmpty()) {
            return Map.of();
        }
        Map<String, String> ordered = new LinkedHashMap<>();
        for (Provider known : Provider.values()) {
            if (stored.containsKey(known.wireName())) {
                ordered.put(known.wireName(), stored.get(known.wireName()));
            }
        }
        stored.forEach(ordered::putIfAbsent);
        return ordered;
    }
}
