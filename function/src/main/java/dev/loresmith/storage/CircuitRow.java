package dev.loresmith.storage;

import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitState;
import software.amazon.awssdk.enhanced.dynamodb.TableSchema;
import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

import java.time.Instant;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;

/**
 * The circuit/config table's item layout, one item per provider ({@code provider} is the key).
 * Times are epoch milliseconds; 0 stands for "none" so every circuit write can SET all attributes
 * without touching the operator's overrides ({@code model}, {@code maxTokens}).
 */
final class CircuitRow {

    static final String PK = "provider";

    static final TableSchema<CircuitRow> SCHEMA = StaticTableSchema.builder(CircuitRow.class)
            .newItemSupplier(CircuitRow::new)
            .addAttribute(String.class, a -> a.name(PK).getter(r -> r.provider).setter((r, v) -> r.provider = v).tags(primaryPartitionKey()))
            .addAttribute(String.class, a -> a.name("circuitState").getter(r -> r.circuitState).setter((r, v) -> r.circuitState = v))
            .addAttribute(Integer.class, a -> a.name("failureCount").getter(r -> r.failureCount).setter((r, v) -> r.failureCount = v))
            .addAttribute(Long.class, a -> a.name("failureWindowStart").getter(r -> r.failureWindowStart).setter((r, v) -> r.failureWindowStart = v))
            .addAttribute(Long.class, a -> a.name("openedAt").getter(r -> r.openedAt).setter((r, v) -> r.openedAt = v))
            .addAttribute(Long.class, a -> a.name("generation").getter(r -> r.generation).setter((r, v) -> r.generation = v))
            .addAttribute(Long.class, a -> a.name("probeUntil").getter(r -> r.probeUntil).setter((r, v) -> r.probeUntil = v))
            .addAttribute(Long.class, a -> a.name("version").getter(r -> r.version).setter((r, v) -> r.version = v))
            .addAttribute(String.class, a -> a.name("model").getter(r -> r.model).setter((r, v) -> r.model = v))
            .addAttribute(Integer.class, a -> a.name("maxTokens").getter(r -> r.maxTokens).setter((r, v) -> r.maxTokens = v))
            .build();

    private String provider;
    private String circuitState;
    private Integer failureCount;
    private Long failureWindowStart;
    private Long openedAt;
    private Long generation;
    private Long probeUntil;
    private Long version;
    private String model;
    private Integer maxTokens;

    /** A row carrying only circuit attributes (overrides null, so an ignore-nulls update leaves them alone). */
    static CircuitRow of(String provider, CircuitRecord r) {
        CircuitRow row = new CircuitRow();
        row.provider = provider;
        row.circuitState = r.state().wireName();
        row.failureCount = r.failureCount();
        row.failureWindowStart = millis(r.windowStart());
        row.openedAt = millis(r.openedAt());
        row.generation = r.generation();
        row.probeUntil = millis(r.probeUntil());
        row.version = r.version();
        return row;
    }

    ProviderConfig toConfig() {
        CircuitRecord circuit = new CircuitRecord(
                circuitState == null ? CircuitState.CLOSED : CircuitState.fromWireName(circuitState),
                failureCount == null ? 0 : failureCount,
                instant(failureWindowStart),
                instant(openedAt),
                generation == null ? 0 : generation,
                instant(probeUntil),
                version == null ? 0 : version);
        return new ProviderConfig(circuit, model, maxTokens);
    }

    private static long millis(Instant t) {
        return t == null ? 0 : t.toEpochMilli();
    }

    private static Instant instant(Long millis) {
        return millis == null || millis == 0 ? null : Instant.ofEpochMilli(millis);
    }
}
