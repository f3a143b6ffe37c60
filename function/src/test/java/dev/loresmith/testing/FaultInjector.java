package dev.loresmith.testing;

import dev.loresmith.aws.CallTimeouts;
import software.amazon.awssdk.core.RequestOverrideConfiguration;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** Makes the next n requests of one kind fail with a chosen AWS exception, before they leave the client. */
public final class FaultInjector implements ExecutionInterceptor {

    private volatile Class<? extends SdkRequest> target;
    private volatile Supplier<RuntimeException> fault;
    private volatile MutableClock hangOn;
    private final AtomicInteger remaining = new AtomicInteger();
    private final AtomicInteger injected = new AtomicInteger();

    public void failNext(Class<? extends SdkRequest> requestType, int times, Supplier<RuntimeException> exception) {
        target = requestType;
        fault = exception;
        hangOn = null;
        remaining.set(times);
    }

    /**
     * The next {@code times} requests of the type hang until their timeout: the request's own ({@code apiCallTimeout}
     * of its override), else the client's ({@link CallTimeouts#CALL}) — {@code clock} moves on by it — and then fail
     * as the SDK fails them.
     */
    public void hangNext(Class<? extends SdkRequest> requestType, int times, MutableClock clock) {
        target = requestType;
        fault = null;
        hangOn = clock;
        remaining.set(times);
    }

    public int injected() {
        return injected.get();
    }

    /** How long a call of {@code request} may take: its override's timeout, else the client's. */
    public static Duration timeoutOf(SdkRequest request) {
        Duration own = request.overrideConfiguration().flatMap(RequestOverrideConfiguration::apiCallTimeout).orElse(CallTimeouts.CALL);
        return own.compareTo(CallTimeouts.CALL) < 0 ? own : CallTimeouts.CALL;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        Class<? extends SdkRequest> type = target;
        if (type != null && type.isInstance(context.request()) && remaining.getAndDecrement() > 0) {
            injected.incrementAndGet();
            MutableClock clock = hangOn;
            if (clock != null) {
                Duration timeout = timeoutOf(context.request());
                clock.advance(timeout);
                throw ApiCallTimeoutException.create(timeout.toMillis());
            }
            throw fault.get();
        }
    }
}
