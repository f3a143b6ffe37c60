package dev.loresmith.handler;

import dev.loresmith.circuit.Circuit;
import dev.loresmith.circuit.CircuitSettings;
import dev.loresmith.content.ContentTypes;
import dev.loresmith.content.RequestParser;
import dev.loresmith.generate.CircuitAdmin;
import dev.loresmith.generate.DeadLetterFallback;
import dev.loresmith.generate.FollowUpSweep;
import dev.loresmith.generate.GenerateContent;
import dev.loresmith.generate.GenerateSettings;
import dev.loresmith.generate.RequestContent;
import dev.loresmith.generate.ResetCircuit;
import dev.loresmith.generate.UpgradePolicy;
import dev.loresmith.llm.CallPlan;
import dev.loresmith.llm.LlmReply;
import dev.loresmith.llm.Provider;
import dev.loresmith.llm.Transport;
import dev.loresmith.retry.Retry;
import dev.loresmith.schedule.ResetScheduler;
import dev.loresmith.storage.CircuitTable;
import dev.loresmith.storage.Conflicts;
import dev.loresmith.storage.ContentTable;
import dev.loresmith.storage.StackSettings;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * One wiring function per Lambda function: each builds exactly what its handler uses, from what the function finds
 * around it ({@link Outside}) — in Lambda from the environment, in tests and the local runner from their stand-ins.
 * The handlers' no-argument constructors call these with {@link AwsOutside#fromEnvironment()}; the tests call the same
 * functions. Nothing is looked up later: every part is built here, once per execution environment.
 */
public final class Wiring {

    /** Most upgrades one sweep enqueues (less what already waits in the queue). */
    static final int UPGRADES_PER_SWEEP = 50;

    private Wiring() {
    }

    /** The two tables, as every function that uses them sees them. */
    public record Tables(ContentTable contents, CircuitTable circuits) {
    }

    public static Tables tables(Outside outside) {
        Retry conflicts = new Retry(Conflicts.POLICY, outside.backoff(), outside.clock());
        CircuitTable circuits = new CircuitTable(outside.dynamo(), outside.env().require("CIRCUIT_TABLE"), conflicts);
        return new Tables(new ContentTable(outside.dynamo(), outside.env().require("CONTENT_TABLE"), circuits, conflicts), circuits);
    }

    /** The generate function ({@code GenerateFunction}): the SQS batch handler over the generate flow. */
    public static SqsGenerateHandler.Dependencies generate(Outside outside) {
        Tables tables = tables(outside);
        ContentTypes types = ContentTypes.bundled();
        Warmup warmup = new Warmup(types, tables.contents(), outside.clock());
        return new SqsGenerateHandler.Dependencies(new RequestParser(types), generateContent(outside, tables), outside.clock(), outside.log(),
                outside.metrics(), () -> {
                    warmup.content();
                    tables.circuits().read();
                });
    }

    /** The generate flow itself, over {@code tables}, with the settings its environment gives ({@link #settings}). */
    public static GenerateContent generateContent(Outside outside, Tables tables) {
        return generateContent(outside, tables, settings(outside.env()));
    }

    /** The generate flow with {@code settings} of the caller's choosing (tests shorten the API timeout, say). */
    public static GenerateContent generateContent(Outside outside, Tables tables, GenerateSettings settings) {
        List<Transport> transports = Arrays.stream(Provider.values()).map(p -> lazyTransport(p, outside)).toList();
        return new GenerateContent(tables.contents(), tables.circuits(), transports, lazyResets(outside),
                new Circuit(CircuitSettings.DEFAULTS), settings, UpgradePolicy.DEFAULTS, outside.clock(), outside.log(), outside.backoff());
    }

    /** The content routes ({@code ApiFunction}). */
    public static ApiHandler.Dependencies api(Outside outside) {
        Tables tables = tables(outside);
        ContentTypes types = ContentTypes.bundled();
        // The queue is built here, not at the first request: a missing QUEUE_URL fails the function's start.
        RequestContent requests = new RequestContent(tables.contents(), outside.queue(), UpgradePolicy.DEFAULTS, GenerateSettings.DEFAULTS.requeue(),
                outside.clock(), outside.waits(), outside.log());
        Warmup warmup = new Warmup(types, tables.contents(), outside.clock());
        return new ApiHandler.Dependencies(types, new RequestParser(types), tables.contents(), requests, outside.clock(), outside.log(),
                outside.metrics(), warmup::content);
    }

    /** The admin routes ({@code CircuitFunction}). */
    public static CircuitAdminHandler.Dependencies circuitAdmin(Outside outside) {
        CircuitTable circuits = tables(outside).circuits();
        return new CircuitAdminHandler.Dependencies(new CircuitAdmin(circuits, new Circuit(CircuitSettings.DEFAULTS), outside.clock(),
                outside.log()), outside.log(), circuits::read);
    }

    /** The target of the reset schedules ({@code ResetFunction}). */
    public static ResetHandler.Dependencies reset(Outside outside) {
        CircuitTable circuits = tables(outside).circuits();
        // A reset reads one provider's item (GetItem): all its role may read.
        return new ResetHandler.Dependencies(new ResetCircuit(circuits, new Circuit(CircuitSettings.DEFAULTS), outside.log()),
                outside.log(), () -> circuits.circuit(Provider.ANTHROPIC));
    }

    /** The dead-letter queue's consumer ({@code DeadLetterFunction}). */
    public static DeadLetterHandler.Dependencies deadLetter(Outside outside) {
        Tables tables = tables(outside);
        ContentTypes types = ContentTypes.bundled();
        Warmup warmup = new Warmup(types, tables.contents(), outside.clock());
        return new DeadLetterHandler.Dependencies(new RequestParser(types), new DeadLetterFallback(tables.contents(), outside.clock()),
                outside.log(), outside.metrics(), warmup::content);
    }

    /** The follow-up sweep and the operator's replay ({@code SweepFunction}). */
    public static SweepHandler.Dependencies sweep(Outside outside) {
        Tables tables = tables(outside);
        ContentTypes types = ContentTypes.bundled();
        Warmup warmup = new Warmup(types, tables.contents(), outside.clock());
        FollowUpSweep sweep = new FollowUpSweep(tables.contents(), tables.circuits(), outside.queue(), types, new Circuit(CircuitSettings.DEFAULTS),
                UPGRADES_PER_SWEEP, GenerateSettings.DEFAULTS.requeue(), outside.clock(), outside.log());
        return new SweepHandler.Dependencies(sweep, outside.log(), () -> {
            warmup.content();
            tables.circuits().read();
        });
    }

    /** The tables' streams → the event bus ({@code StreamEventsFunction}). */
    public static StreamEventsHandler.Dependencies streamEvents(Outside outside) {
        return new StreamEventsHandler.Dependencies(outside.events(), outside.log(), outside.clock());
    }

    /** The stack's custom resource ({@code StackSettingsFunction}). */
    public static StackSettingsHandler.Dependencies stackSettings(Outside outside) {
        return new StackSettingsHandler.Dependencies(tables(outside).circuits(), outside.log(), outside.backoff(), outside.clock());
    }

    /** The flow's settings: the built-in defaults, with {@code ANTHROPIC_BASE_URL} for local runs (in AWS the stack's settings name it). */
    public static GenerateSettings settings(Env env) {
        String baseUrl = env.optional("ANTHROPIC_BASE_URL", GenerateSettings.DEFAULT_BASE_URL);
        StackSettings.baseUrlProblem(baseUrl).ifPresent(problem -> {
            throw new IllegalStateException("environment variable ANTHROPIC_BASE_URL " + problem);
        });
        return GenerateSettings.DEFAULTS.toBuilder().defaultBaseUrl(baseUrl).build();
    }

    /** The reset scheduler, built on the first opening rather than on the cold-start path (its client is costly to build). */
    private static ResetScheduler lazyResets(Outside outside) {
        return new ResetScheduler() {
            private ResetScheduler built;

            @Override
            public synchronized void scheduleReset(Provider provider, long generation, Instant at) {
                if (built == null) {
                    built = outside.resets();
                }
                built.scheduleReset(provider, generation, at);
            }
        };
    }

    /**
     * The transport to {@code provider}, built on its first use: a function whose stack configures only one provider
     * never builds (nor loads the classes of) the other.
     */
    private static Transport lazyTransport(Provider provider, Outside outside) {
        return new Transport() {
            private Transport built;

            private synchronized Transport built() {
                if (built == null) {
                    built = outside.transport(provider);
                }
                return built;
            }

            @Override
            public Provider provider() {
                return provider;
            }

            @Override
            public Readiness readiness() {
                return built().readiness();
            }

            @Override
            public LlmReply send(CallPlan plan) {
                return built().send(plan);
            }
        };
    }
}
