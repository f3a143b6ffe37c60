package dev.loresmith.testing;

import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** Makes the next n requests of one kind fail with a chosen AWS exception, before they leave the client. */
public final class FaultInjector implements ExecutionInterceptor {

    private volatile Class<? extends SdkRequest> target;
    private volatile Supplier<RuntimeException> fault;
    private final AtomicInteger remaining = new AtomicInteger();
    private final AtomicInteger injected = new AtomicInteger();

    public void failNext(Class<? extends SdkRequest> requestType, int times, Supplier<RuntimeException> exception) {
        target = requestType;
        fault = exception;
        remaining.set(times);
    }

    public int injected() {
        return injected.get();
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        Class<? extends SdkRequest> type = target;
        if (type != null && type.isInstance(context.request()) && remaining.getAndDecrement() > 0) {
            injected.incrementAndGet();
            throw fault.get();
        }
    }
}
