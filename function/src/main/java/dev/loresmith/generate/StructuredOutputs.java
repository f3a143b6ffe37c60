package dev.loresmith.generate;

import dev.loresmith.llm.CallPlan;
import dev.loresmith.log.StructuredLog;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which (provider and endpoint, model) pairs take structured outputs. All do until one answers a 400 naming the field;
 * from then on, for the life of the execution environment, that pair gets prompt-only JSON (the same schema, stated in
 * the system prompt, and validated by us either way). Logged once per pair.
 */
final class StructuredOutputs {

    private final Set<String> rejected = ConcurrentHashMap.newKeySet();
    private final StructuredLog log;

    StructuredOutputs(StructuredLog log) {
        this.log = log;
    }

    /** {@code endpointAndModel}: {@link CallPlan#endpointAndModel()}. */
    boolean enabledFor(String endpointAndModel) {
        return !rejected.contains(endpointAndModel);
    }

    void rejectedBy(CallPlan plan) {
        if (rejected.add(plan.endpointAndModel())) {
            log.warn("structured outputs rejected; using prompt-only JSON for this model", "provider", plan.provider().wireName(),
                    "model", plan.model());
        }
    }
}
