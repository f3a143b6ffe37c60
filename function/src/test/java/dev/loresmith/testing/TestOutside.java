package dev.loresmith.testing;

import dev.loresmith.events.EventPublisher;
import dev.loresmith.handler.Env;
import dev.loresmith.handler.Outside;
import dev.loresmith.llm.Provider;
import dev.loresmith.llm.Transport;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.metrics.GenerationMetrics;
import dev.loresmith.queue.RequestQueue;
import dev.loresmith.retry.Pause;
import dev.loresmith.schedule.ResetScheduler;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The outside a test (or the local runner) gives the functions: its own clock, captured output, DynamoDB Local or an
 * emulator, and stand-ins for the rest. A part the test did not give fails loudly when a wiring function asks for it.
 */
public final class TestOutside implements Outside {

    private Env env = new Env(Map.of());
    private Clock clock = Clock.systemUTC();
    private StructuredLog log;
    private GenerationMetrics metrics;
    private Pause backoff = Pause.NONE;
    private Pause waits = Pause.NONE;
    private Supplier<DynamoDbClient> dynamo = missing("a DynamoDB client");
    private final Map<Provider, Supplier<Transport>> transports = new EnumMap<>(Provider.class);
    private Supplier<ResetScheduler> resets = missing("a reset scheduler");
    private Supplier<RequestQueue> queue = missing("a request queue");
    private Supplier<EventPublisher> events = missing("an event publisher");

    private static <T> Supplier<T> missing(String what) {
        return () -> {
            throw new IllegalStateException("this test's outside has no " + what);
        };
    }

    public TestOutside env(Map<String, String> value) {
        env = new Env(value);
        return this;
    }

    public TestOutside clock(Clock value) {
        clock = value;
        return this;
    }

    public TestOutside log(StructuredLog value) {
        log = value;
        return this;
    }

    public TestOutside metrics(GenerationMetrics value) {
        metrics = value;
        return this;
    }

    public TestOutside backoff(Pause value) {
        backoff = value;
        return this;
    }

    public TestOutside waits(Pause value) {
        waits = value;
        return this;
    }

    public TestOutside dynamo(DynamoDbClient value) {
        dynamo = () -> value;
        return this;
    }

    public TestOutside transport(Provider provider, Supplier<Transport> value) {
        transports.put(provider, value);
        return this;
    }

    public TestOutside transport(Transport value) {
        transports.put(value.provider(), () -> value);
        return this;
    }

    public TestOutside resets(ResetScheduler value) {
        resets = () -> value;
        return this;
    }

    public TestOutside queue(RequestQueue value) {
        queue = () -> value;
        return this;
    }

    public TestOutside events(EventPublisher value) {
        events = () -> value;
        return this;
    }

    @Override
    public Env env() {
        return env;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public StructuredLog log() {
        if (log == null) {
            log = new StructuredLog(line -> { }, clock);
        }
        return log;
    }

    @Override
    public GenerationMetrics metrics() {
        if (metrics == null) {
            metrics = new GenerationMetrics(line -> { }, clock);
        }
        return metrics;
    }

    @Override
    public Pause backoff() {
        return backoff;
    }

    @Override
    public Pause waits() {
        return waits;
    }

    @Override
    public DynamoDbClient dynamo() {
        return dynamo.get();
    }

    @Override
    public Transport transport(Provider provider) {
        return transports.getOrDefault(provider, missing("transport to " + provider)).get();
    }

    @Override
    public ResetScheduler resets() {
        return resets.get();
    }

    @Override
    public RequestQueue queue() {
        return queue.get();
    }

    @Override
    public EventPublisher events() {
        return events.get();
    }
}
