package dev.loresmith.testing;

import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** An SDK interceptor that records every request a client sends, so tests can count and inspect them. */
public final class RecordedRequests implements ExecutionInterceptor {

    private final List<SdkRequest> requests = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        requests.add(context.request());
    }

    public <T extends SdkRequest> List<T> of(Class<T> type) {
        synchronized (requests) {
            return requests.stream().filter(type::isInstance).map(type::cast).toList();
        }
    }

    public List<SdkRequest> all() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Each request's operation, in order: {@code UpdateItem}, {@code BatchGetItem}, ... */
    public List<String> kinds() {
        return all().stream().map(r -> r.getClass().getSimpleName().replace("Request", "")).toList();
    }

    public void clear() {
        requests.clear();
    }
}
