package dev.loresmith.storage;

import dev.loresmith.content.ContentId;
import dev.loresmith.content.ContentItem;
import dev.loresmith.content.ContentKey;
import dev.loresmith.content.ContentStatus;
import software.amazon.awssdk.enhanced.dynamodb.TableSchema;
import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

import java.math.BigInteger;
import java.time.Instant;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;

/**
 * The content table's item layout. The key is {@code pk = "<contentType>#<contentId>"} so items spread
 * over partitions; {@code contentType}, {@code contentId} and the rest are the public attribute contract.
 * Times people read are ISO-8601 strings; {@code leaseUntil} is epoch milliseconds because conditions compare it.
 */
final class ContentRow {

    static final String PK = "pk";

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

    static String pk(ContentKey key) {
        return key.contentType() + "#" + key.contentId();
    }

    static ContentRow of(ContentItem item) {
        ContentRow row = new ContentRow();
        row.pk = pk(item.key());
        row.contentType = item.key().contentType();
        row.contentId = item.key().contentId().toBigInteger();
        row.status = item.status().wireName();
        row.text = item.text();
        row.model = item.model();
        row.requestedAt = item.requestedAt().toString();
        row.generatedAt = item.generatedAt() == null ? null : item.generatedAt().toString();
        row.leaseOwner = item.leaseOwner();
        row.leaseUntil = item.leaseUntil() == null ? null : item.leaseUntil().toEpochMilli();
        return row;
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
                leaseUntil == null ? null : Instant.ofEpochMilli(leaseUntil));
    }
}
