package dev.loresmith.faults;

import dev.loresmith.handler.AwsClients;
import dev.loresmith.testing.FaultInjector;
import dev.loresmith.testing.MutableClock;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Every external call of a scenario, in order, and the one fault planned for one of them. SDK clients report
 * through this interceptor (so a call the code adds later is enumerated without a new test); the model client
 * and the queue through {@link #call}. Once the current invocation has "died", every further call it makes
 * fails with {@link InvocationDied}: a dead Lambda does no more I/O.
 */
final class FaultPlan implements ExecutionInterceptor {

    /** What goes wrong with the planned call. */
    enum Kind {
        /** A service error that outlasts the SDK's own retries. */
        EXCEPTION,
        /** Throttling that outlasts the SDK's own retries (429 for the model API). */
        THROTTLE,
        /** The call hangs until its timeout (the clock moves on by it). */
        TIMEOUT,
        /** The call succeeds, but only just: it takes all of its timeout but a millisecond (a slow service, not a failing one). */
        SLOW,
        /** The call succeeds, and the invocation dies right after it. */
        DIE_AFTER
    }

    /** The AWS SDK's whole-call timeout every client of ours has: what a hanging AWS call costs, unless its request asks for less. */
    static final Duration AWS_CALL_TIMEOUT = AwsClients.CALL_TIMEOUT;
    private static final ExecutionAttribute<Boolean> DIE = new ExecutionAttribute<>("loresmith.die-after");

    private final MutableClock clock;
    private final List<String> calls = new ArrayList<>();
    /** For each call, the number of the invocation that made it (0 = the first). */
    private final List<Integer> invocations = new ArrayList<>();
    private int invocation = -1;
    private int nextInvocation;
    private final int faultAt;
    private final Kind kind;
    private volatile boolean dead;
    private volatile boolean injected;

    FaultPlan(MutableClock clock, int faultAt, Kind kind) {
        this.clock = clock;
        this.faultAt = faultAt;
        this.kind = kind;
    }

    /** A new invocation starts alive (the world keeps them one at a time). */
    synchronized void invocationStarts() {
        dead = false;
        invocation = nextInvocation++;
    }

    /** Back in an outer invocation (the API's, while a message it waits on was processed). */
    synchronized void resume(int outer, boolean outerDead) {
        invocation = outer;
        dead = outerDead;
    }

    synchronized int invocation() {
        return invocation;
    }

    /** The calls made by the first {@code count} invocations: the entry point's path. */
    synchronized List<String> callsOfFirst(int count) {
        List<String> path = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            if (invocations.get(i) < count) {
                path.add(calls.get(i));
            }
        }
        return path;
    }

    boolean invocationDied() {
        return dead;
    }

    boolean injected() {
        return injected;
    }

    synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    /** Reports a call; returns the fault to apply to it, or null. Throws when the invocation is already dead. */
    synchronized Kind call(String name) {
        calls.add(name);
        invocations.add(invocation);
        if (dead) {
            throw new InvocationDied();
        }
        if (calls.size() - 1 == faultAt) {
            injected = true;
            return kind;
        }
        return null;
    }

    /** The model client or the queue died right after its call. */
    void die() {
        dead = true;
        throw new InvocationDied();
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        String service = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
        Kind fault = call(service + "." + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
        if (fault == null) {
            return;
        }
        switch (fault) {
            case EXCEPTION -> throw serviceError(service, 500, "InternalServerError");
            case THROTTLE -> throw service.equals("DynamoDb")
                    ? ProvisionedThroughputExceededException.builder().message("injected").statusCode(400).build()
                    : serviceError(service, 400, "ThrottlingException");
            case TIMEOUT -> {
                // A hang costs what the call allows: the client's timeout, or the shorter one its request asked for.
                Duration timeout = FaultInjector.timeoutOf(context.request());
                clock.advance(timeout);
                throw ApiCallTimeoutException.create(timeout.toMillis());
            }
            case SLOW -> clock.advance(FaultInjector.timeoutOf(context.request()).minusMillis(1));
            case DIE_AFTER -> attributes.putAttribute(DIE, true);
        }
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        if (Boolean.TRUE.equals(attributes.getAttribute(DIE))) {
            die();
        }
    }

    private static RuntimeException serviceError(String service, int status, String code) {
        AwsErrorDetails details = AwsErrorDetails.builder().errorCode(code).serviceName(service).errorMessage("injected").build();
        return service.equals("DynamoDb")
                ? DynamoDbException.builder().awsErrorDetails(details).statusCode(status).message("injected").build()
                : AwsServiceException.builder().awsErrorDetails(details).statusCode(status).message("injected").build();
    }

    /** The invocation is gone: nothing after this point happens, and its answer is lost. */
    static final class InvocationDied extends Error {

        private static final long serialVersionUID = 1L;

        InvocationDied() {
            super("invocation died (injected)", null, false, false);
        }
    }
}
