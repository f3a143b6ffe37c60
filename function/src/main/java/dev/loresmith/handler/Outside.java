package dev.loresmith.handler;

import dev.loresmith.events.EventPublisher;
import dev.loresmith.llm.Provider;
import dev.loresmith.llm.Transport;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.metrics.GenerationMetrics;
import dev.loresmith.queue.RequestQueue;
import dev.loresmith.retry.Pause;
import dev.loresmith.schedule.ResetScheduler;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;

/**
 * What a function finds around it: its environment, the clock, where it writes logs and metrics, and the outside
 * services it calls. {@link AwsOutside} builds them for Lambda from the environment; tests and the local runner give
 * their own. Only {@link Wiring} calls these, each at most once per function, so each builds a new part.
 */
public interface Outside {

    Env env();

    Clock clock();

    StructuredLog log();

    GenerationMetrics metrics();

    /** How retry loops pause between attempts (conflicts, throttling). */
    Pause backoff();

    /** How a waiting request pauses between reads of the item it waits for. */
    Pause waits();

    DynamoDbClient dynamo();

    /** The transport to {@code provider}, with its credentials. */
    Transport transport(Provider provider);

    ResetScheduler resets();

    RequestQueue queue();

    EventPublisher events();
}
