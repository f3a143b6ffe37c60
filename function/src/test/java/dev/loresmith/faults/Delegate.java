package dev.loresmith.faults;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * An interceptor that forwards to the current world's plan: SDK clients are costly to build, so the matrix
 * builds each once and points them at each run's plan in turn.
 */
final class Delegate implements ExecutionInterceptor {

    private volatile ExecutionInterceptor target = new ExecutionInterceptor() { };

    void to(ExecutionInterceptor plan) {
        target = plan;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        target.beforeExecution(context, attributes);
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        target.afterExecution(context, attributes);
    }
}
