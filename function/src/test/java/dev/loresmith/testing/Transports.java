package dev.loresmith.testing;

import dev.loresmith.llm.CallPlan;
import dev.loresmith.llm.LlmReply;
import dev.loresmith.llm.Provider;
import dev.loresmith.llm.Transport;

import java.util.function.BiFunction;

/** Transports for tests: a real one whose calls pass through a test's hands (recorded, delayed, failed). */
public final class Transports {

    private Transports() {
    }

    /** {@code inner}, with each call made by {@code send} (given the inner transport and the plan). */
    public static Transport around(Transport inner, BiFunction<Transport, CallPlan, LlmReply> send) {
        return new Transport() {
            @Override
            public Provider provider() {
                return inner.provider();
            }

            @Override
            public Readiness readiness() {
                return inner.readiness();
            }

            @Override
            public LlmReply send(CallPlan plan) {
                return send.apply(inner, plan);
            }
        };
    }
}
