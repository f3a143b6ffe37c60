package dev.loresmith.faults;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitTransition;
import dev.loresmith.content.ContentId;
import dev.loresmith.content.ContentKey;
import dev.loresmith.handler.ApiHandler;
import dev.loresmith.handler.AwsOutside;
import dev.loresmith.handler.DeadLetterHandler;
import dev.loresmith.handler.Env;
import dev.loresmith.handler.ResetHandler;
import dev.loresmith.handler.SqsGenerateHandler;
import dev.loresmith.handler.SweepHandler;
import dev.loresmith.handler.Wiring;
import dev.loresmith.item.Claim;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.llm.AnthropicTransport;
import dev.loresmith.llm.BedrockTransport;
import dev.loresmith.llm.CallPlan;
import dev.loresmith.llm.LlmReply;
import dev.loresmith.llm.Provider;
import dev.loresmith.llm.Transport;
import dev.loresmith.metrics.GenerationMetrics;
import dev.loresmith.queue.RequestQueue;
import dev.loresmith.retry.Pause;
import dev.loresmith.retry.Retry;
import dev.loresmith.schedule.EventBridgeResetScheduler;
import dev.loresmith.secrets.SecretsManagerApiKey;
import dev.loresmith.storage.CircuitTable;
import dev.loresmith.storage.Conflicts;
import dev.loresmith.storage.ContentTable;
import dev.loresmith.storage.StackSettings;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FakeAws;
import dev.loresmith.testing.FakeBedrock;
import dev.loresmith.testing.FakeContext;
import dev.loresmith.testing.FlowHarness;
import dev.loresmith.testing.LambdaEvents;
import dev.loresmith.testing.LogCapture;
import dev.loresmith.testing.MutableClock;
import dev.loresmith.testing.SecretWatch;
import dev.loresmith.testing.Template;
import dev.loresmith.testing.TestAws;
import dev.loresmith.testing.TestOutside;
import dev.loresmith.testing.Transports;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.scheduler.SchedulerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.model.SqsException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The AWS a deployed Loresmith lives in, simulated around the real handlers on an injected clock: a generate
 * queue with the template's visibility timeout and redrive after its maxReceiveCount, a dead-letter queue, EventBridge
 * Scheduler running the schedules the code creates (invoking the reset asynchronously: Lambda retries a failed one
 * twice, then drops it), the sweep's schedule and its bus
 * rule (circuit half-open or closed), and Lambda itself — one invocation at a time, each in a fresh execution
 * environment, a dead one's answer lost. Every external call goes through one {@link FaultPlan}. What breaks a
 * promise is collected in {@link #violations}.
 */
final class World {

    static final Duration VISIBILITY_TIMEOUT = Duration.ofMinutes(5);
    static final Duration DLQ_VISIBILITY_TIMEOUT = Duration.ofMinutes(3);
    /** The generate queue's maxReceiveCount, read from template.yaml. */
    static final int MAX_RECEIVES = Template.load().generateQueueMaxReceives();
    static final String PLAYER_TEXT = "PLAYER_WROTE_THIS_7731";

    final MutableClock clock = MutableClock.at("2026-11-25T10:00:00Z");
    final FaultPlan plan;
    final FakeAnthropic anthropic;
    final FakeBedrock bedrock;
    final FakeAws aws;
    final TestAws.Tables tableNames;
    /** The handlers' DynamoDB client: every call goes through the plan. */
    final DynamoDbClient dynamo;
    /** The test's own view of the tables, outside the plan. */
    final ContentTable observed;
    final CircuitTable observedCircuit;
    final LogCapture logs = new LogCapture();
    final LogCapture emf = new LogCapture();
    final SimQueue queue = new SimQueue();
    final List<SimMessage> deadLetters = new ArrayList<>();
    final List<Reset> resets = new ArrayList<>();
    final List<String> violations = new ArrayList<>();
    final List<String> answers = new ArrayList<>();
    /** The HTTP status of each API answer (none when the invocation died). */
    final List<Integer> statuses = new ArrayList<>();
    final ContentKey item;
    private final Set<String> schedulesSeen = new HashSet<>();
    int modelCalls;
    /** The item as the world left it (the tables are emptied for the next run). */
    ContentItem settled;
    private Instant nextSweep;

    /** The SDK clients, built once (they are costly to build) and pointed at each world's plan in turn. */
    static final class Clients {
        final Delegate delegate = new Delegate();
        final DynamoDbClient dynamo = TestAws.dynamo(delegate);
        /** One pair of tables for every run (creating tables is the costliest part of a run): emptied before each. */
        final TestAws.Tables tables = TestAws.freshTables();
        final SecretsManagerClient secrets;
        final SchedulerClient scheduler;

        Clients(FakeAws aws) {
            secrets = aws.secrets(delegate);
            scheduler = aws.scheduler(delegate);
        }
    }

    private final Clients clients;

    /** A world whose {@code faultAt}-th external call (0-based) fails as {@code kind}; -1 for none. */
    World(FakeAnthropic anthropic, FakeBedrock bedrock, FakeAws aws, Clients clients, int faultAt, FaultPlan.Kind kind, ContentKey item) {
        this.anthropic = anthropic;
        this.bedrock = bedrock;
        this.aws = aws;
        this.clients = clients;
        this.plan = new FaultPlan(clock, faultAt, kind);
        clients.delegate.to(plan);
        this.tableNames = clients.tables;
        empty(tableNames);
        this.item = item;
        this.dynamo = clients.dynamo;
        Retry conflicts = new Retry(Conflicts.POLICY, Pause.NONE, clock);
        this.observedCircuit = new CircuitTable(TestAws.dynamo(), tableNames.circuit(), conflicts);
        this.observed = new ContentTable(TestAws.dynamo(), tableNames.content(), observedCircuit, conflicts);
    }

    /** Deletes every item of both tables (a run touches a handful). */
    private static void empty(TestAws.Tables tables) {
        DynamoDbClient dynamo = TestAws.dynamo();
        dynamo.scan(r -> r.tableName(tables.content())).items().forEach(i ->
                dynamo.deleteItem(r -> r.tableName(tables.content()).key(Map.of("pk", i.get("pk")))));
        dynamo.scan(r -> r.tableName(tables.circuit())).items().forEach(i ->
                dynamo.deleteItem(r -> r.tableName(tables.circuit()).key(Map.of("provider", i.get("provider")))));
    }

    static ContentKey key(String type, long id) {
        return new ContentKey(type, ContentId.parse(Long.toString(id)));
    }

    // ------------------------------------------------------------------ the execution environment

    /** A fresh execution environment's outside, as Lambda wires it, with every outside call through the plan. */
    TestOutside outside() {
        Map<String, String> env = Map.of("AWS_REGION", TestAws.REGION.id(), "CONTENT_TABLE", tableNames.content(),
                "CIRCUIT_TABLE", tableNames.circuit(), "ANTHROPIC_BASE_URL", anthropic.baseUrl());
        SecretsManagerApiKey apiKeys = new SecretsManagerApiKey(clients.secrets, "arn:aws:secretsmanager:us-east-1:000000000000:secret:k",
                AwsOutside.API_KEY_TTL, clock, logs.log(clock));
        return new TestOutside()
                .env(env)
                .dynamo(dynamo)
                .transport(Transports.around(new AnthropicTransport(apiKeys), this::callModel))
                .transport(Transports.around(new BedrockTransport(TestAws.CREDENTIALS, TestAws.REGION, URI.create(bedrock.endpoint())),
                        this::callModel))
                .resets(new EventBridgeResetScheduler(clients.scheduler, aws.scheduleGroup(),
                        "arn:aws:lambda:us-east-1:000000000000:function:reset:live", "arn:aws:iam::000000000000:role/s", logs.log(clock)))
                .queue(queue)
                .events(events -> { })
                .backoff(Pause.NONE)
                .waits(d -> {
                    clock.advance(d);
                    if (!queueWorkedWhileWaiting) {
                        return;
                    }
                    Instant waited = clock.instant();
                    nested = true; // while an API request waits, the queue is worked
                    try {
                        deliverQueue();
                    } finally {
                        nested = false;
                        nestedExcess = nestedExcess.plus(Duration.between(waited, clock.instant()));
                    }
                })
                .clock(clock)
                .log(logs.log(clock))
                .metrics(new GenerationMetrics(emf, clock));
    }

    /** The model client: calls only under a live lease on the item, with the plan's fault. */
    private LlmReply callModel(Transport model, CallPlan call) {
        Duration timeout = call.timeout();
        FaultPlan.Kind fault = plan.call(call.provider() == Provider.ANTHROPIC ? "Anthropic.Messages" : "Bedrock.InvokeModel");
        ContentItem now = observed.find(item).orElse(null);
        if (now == null || !now.leasedAt(clock.instant())) {
            violations.add("a model call without a live lease on the item at " + clock.instant());
        }
        SimMessage message = delivering;
        if (now != null && message != null && message.kind == Claim.Kind.REQUEST && now.attemptClaimedAt() != null
                && (message.requestedAt == null ? message.sentAt : message.requestedAt).isBefore(now.attemptClaimedAt())) {
            violations.add("a model call for a request older than the attempt that had finished its item");
        }
        modelCalls++;
        if (fault == FaultPlan.Kind.EXCEPTION) {
            return new LlmReply.HttpError(500);
        }
        if (fault == FaultPlan.Kind.THROTTLE) {
            return new LlmReply.HttpError(429);
        }
        if (fault == FaultPlan.Kind.TIMEOUT) {
            clock.advance(timeout);
            return LlmReply.NetworkError.timedOutAfter(timeout);
        }
        if (fault == FaultPlan.Kind.SLOW) {
            clock.advance(timeout.minusMillis(1));
        }
        LlmReply reply = model.send(call);
        if (fault == FaultPlan.Kind.DIE_AFTER) {
            plan.die();
        }
        return reply;
    }

    /**
     * Runs one invocation of a function whose timeout is {@code timeout} (template.yaml's; its context says so); returns
     * false when it died (its answer is then lost). An invocation that runs past its timeout — Lambda would have ended
     * it — breaks a promise: every deadline is fixed from the invocation's time at entry, and every call bounded by it.
     */
    private boolean invoke(Duration timeout, String function, Runnable invocation) {
        int outer = plan.invocation();
        boolean outerDied = plan.invocationDied();
        plan.invocationStarts();
        Instant started = clock.instant();
        Duration excessBefore = nestedExcess;
        boolean alive;
        try {
            invocation.run();
            alive = !plan.invocationDied();
        } catch (FaultPlan.InvocationDied e) {
            alive = false;
        } catch (RuntimeException e) {
            // the runtime reports the invocation failed: the trigger's own retry takes over
            SecretWatch.check(e);
            alive = false;
        }
        // Invocations run inside another's wait take the clock with them here; in AWS they run beside it.
        Duration ran = Duration.between(started, clock.instant()).minus(nestedExcess.minus(excessBefore));
        if (ran.compareTo(timeout) > 0) {
            violations.add(function + " ran " + ran.toMillis() + " ms, past its " + timeout.toSeconds() + " s timeout");
        }
        if (outer >= 0 && nested) {
            plan.resume(outer, outerDied);
        }
        noteSchedules();
        noteBudgetDay();
        return alive;
    }

    private LocalDate budgetDay;

    /** The day the token counter counts never moves back: a late count for an earlier day must not replace a later one's. */
    private void noteBudgetDay() {
        LocalDate day = observedCircuit.read().stack().budgetDay();
        if (budgetDay != null && day != null && day.isBefore(budgetDay)) {
            violations.add("the token counter moved back from " + budgetDay + " to " + day);
        }
        budgetDay = day == null ? budgetDay : day;
    }

    /** Clock time nested invocations took beyond the waits they ran in (see {@link #invoke}). */
    private Duration nestedExcess = Duration.ZERO;

    /** Whether invocations now run inside another (the API's wait); set while its sleeper works the queue. */
    private boolean nested;

    /**
     * Whether the queue is worked while an API request waits (as when the generate function has room); false: a backlog,
     * so a waiting request waits to its deadline and the message is worked after it.
     */
    boolean queueWorkedWhileWaiting = true;

    // ------------------------------------------------------------------ entry points

    /** A game sends a request to the queue (outside the plan: that send is the game's). */
    void gameSends(String body) {
        queue.messages.add(new SimMessage(body, Claim.Kind.REQUEST, clock.instant()));
    }

    APIGatewayV2HTTPResponse post(String body) {
        APIGatewayV2HTTPEvent event = LambdaEvents.read(APIGatewayV2HTTPEvent.class, Template.repositoryRoot().resolve("events/api-post.json"));
        event.setBody(body);
        APIGatewayV2HTTPResponse[] response = new APIGatewayV2HTTPResponse[1];
        boolean alive = invoke(Duration.ofSeconds(29), "ApiFunction",
                () -> response[0] = new ApiHandler(Wiring.api(outside())).handleRequest(event, FakeContext.withSeconds(29)));
        if (!alive || response[0] == null) {
            answers.add("(no answer: the API invocation died)");
            return null;
        }
        answers.add(response[0].getBody());
        statuses.add(response[0].getStatusCode());
        checkHttpAnswer(response[0]);
        return response[0];
    }

    /** What the API answered must be true of the item. */
    private void checkHttpAnswer(APIGatewayV2HTTPResponse response) {
        ContentItem now = observed.find(item).orElse(null);
        int status = response.getStatusCode();
        boolean queued = queue.messages.stream().anyMatch(m -> m.body.contains("\"contentId\":" + item.contentId()));
        if (status == 202 && !queued && (now == null || now.status() == ContentStatus.PENDING) && !(now != null && now.leasedAt(clock.instant()))) {
            violations.add("202 answered, but nothing is queued to finish the item");
        }
        if (status == 200 && (now == null || now.status() == ContentStatus.PENDING)) {
            violations.add("200 answered, but the item is pending");
        }
        if (status == 503 && now != null && now.status() == ContentStatus.PENDING && !queued) {
            violations.add("503 answered, and the item was left pending");
        }
    }

    /** The stack's provider order, as the custom resource writes it ({@code Providers}). */
    void providers(String order) {
        observedCircuit.writeStackSettings(new StackSettings(null, null, null, null, Provider.parseList(order).orElseThrow(),
                FlowHarness.BEDROCK_MODEL));
    }

    /** A schedule created before there was a second provider: its input names only the generation (Anthropic's). */
    void scheduleReset(long generation, Instant at) {
        resets.add(new Reset("{\"generation\":" + generation + "}", at));
    }

    // ------------------------------------------------------------------ the world turning

    /** Lets time pass, event by event, for {@code total}: deliveries, redeliveries, dead letters, resets, sweeps. */
    void run(Duration total) {
        Instant end = clock.instant().plus(total);
        nextSweep = clock.instant();
        for (int step = 0; step < 500; step++) {
            Instant next = nextEvent();
            if (next == null || next.isAfter(end)) {
                settled = observed.find(item).orElse(null);
                return;
            }
            if (next.isAfter(clock.instant())) {
                clock.set(next);
            }
            deliverQueue();
            deliverDeadLetters();
            runResets();
            sweepIfDue();
        }
        violations.add("the world did not settle within 500 events");
        settled = observed.find(item).orElse(null);
    }

    private Instant nextEvent() {
        List<Instant> times = new ArrayList<>();
        queue.messages.forEach(m -> times.add(m.visibleAt));
        deadLetters.forEach(m -> times.add(m.visibleAt));
        resets.forEach(r -> times.add(r.at));
        observed.find(item).map(ContentItem::followUp).ifPresent(f -> times.add(later(f.at(), nextSweep)));
        return times.stream().min(Instant::compareTo).orElse(null);
    }

    /** The sweep runs on the minute; an item due at 10:03:20 is swept at 10:04. */
    private static Instant later(Instant a, Instant b) {
        Instant due = a.truncatedTo(ChronoUnit.MINUTES).equals(a) ? a : a.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
        return due.isAfter(b) ? due : b;
    }

    /** The message the generate function is working on now (null when none). */
    private SimMessage delivering;

    void deliverQueue() {
        for (SimMessage message : queue.due(clock.instant())) {
            message.receives++;
            SQSEvent event = new SQSEvent();
            event.setRecords(List.of(message.toSqs()));
            SQSBatchResponse[] response = new SQSBatchResponse[1];
            Map<Provider, CircuitRecord> before = circuits();
            SimMessage outer = delivering;
            delivering = message;
            boolean alive;
            try {
                alive = invoke(Duration.ofSeconds(45), "GenerateFunction",
                        () -> response[0] = new SqsGenerateHandler(Wiring.generate(outside())).handleRequest(event, FakeContext.withSeconds(45)));
            } finally {
                delivering = outer;
            }
            boolean done = alive && response[0] != null && response[0].getBatchItemFailures().isEmpty();
            if (done) {
                queue.messages.remove(message);
                ContentItem now = observed.find(item).orElse(null);
                if (now != null && now.status() == ContentStatus.PENDING && message.kind == Claim.Kind.REQUEST && !now.leasedAt(clock.instant())) {
                    violations.add("a message reported done while its item is pending and nobody holds it");
                }
            } else if (message.receives >= MAX_RECEIVES) {
                queue.messages.remove(message);
                deadLetters.add(new SimMessage(message.body, message.kind, clock.instant(), message.requestedAt));
            } else {
                message.visibleAt = clock.instant().plus(VISIBILITY_TIMEOUT);
            }
            ruleOnCircuitEvents(before);
        }
    }

    private void deliverDeadLetters() {
        for (SimMessage message : List.copyOf(deadLetters)) {
            if (message.visibleAt.isAfter(clock.instant())) {
                continue;
            }
            SQSEvent event = new SQSEvent();
            event.setRecords(List.of(message.toSqs()));
            SQSBatchResponse[] response = new SQSBatchResponse[1];
            boolean alive = invoke(Duration.ofSeconds(30), "DeadLetterFunction",
                    () -> response[0] = new DeadLetterHandler(Wiring.deadLetter(outside())).handleRequest(event, FakeContext.withSeconds(30)));
            if (alive && response[0] != null && response[0].getBatchItemFailures().isEmpty()) {
                deadLetters.remove(message);
            } else {
                message.visibleAt = clock.instant().plus(DLQ_VISIBILITY_TIMEOUT);
            }
        }
    }

    /**
     * EventBridge Scheduler: each schedule runs at its time and invokes the reset function asynchronously, so a reset
     * that fails is retried by Lambda's asynchronous invocation — twice (its default), about 1 and then 2 minutes
     * later — and then dropped (the schedule deleted itself after the invoke succeeded).
     */
    private void runResets() {
        for (Reset reset : List.copyOf(resets)) {
            if (reset.at.isAfter(clock.instant())) {
                continue;
            }
            Map<Provider, CircuitRecord> before = circuits();
            boolean alive = invoke(Duration.ofSeconds(15), "ResetFunction", () -> {
                try {
                    new ResetHandler(Wiring.reset(outside())).handleRequest(new ByteArrayInputStream(reset.input.getBytes(StandardCharsets.UTF_8)),
                            new ByteArrayOutputStream(), FakeContext.withSeconds(15));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            resets.remove(reset);
            if (!alive && reset.attempt <= 2) {
                resets.add(new Reset(reset.input, clock.instant().plus(Duration.ofMinutes(reset.attempt)), reset.attempt + 1));
            }
            ruleOnCircuitEvents(before);
        }
    }

    /** The bus rule: the circuit half-opening or closing starts a sweep at once. */
    private void ruleOnCircuitEvents(Map<Provider, CircuitRecord> before) {
        Map<Provider, CircuitRecord> after = circuits();
        boolean recovering = before.keySet().stream().anyMatch(p -> CircuitTransition.between(before.get(p), after.get(p))
                .filter(t -> t.kind() != CircuitTransition.Kind.OPENED).isPresent());
        if (recovering) {
            sweep();
        }
    }

    /** Every provider's circuit as the table holds it now (read outside the plan). */
    private Map<Provider, CircuitRecord> circuits() {
        Map<Provider, CircuitRecord> all = new EnumMap<>(Provider.class);
        for (Provider provider : Provider.values()) {
            all.put(provider, observedCircuit.circuit(provider));
        }
        return all;
    }

    private void sweepIfDue() {
        ContentItem now = observed.find(item).orElse(null);
        if (now != null && now.followUp() != null && !clock.instant().isBefore(later(now.followUp().at(), nextSweep))) {
            sweep();
        }
    }

    void sweep() {
        nextSweep = clock.instant().plus(Duration.ofMinutes(1));
        Map<Provider, CircuitRecord> before = circuits();
        invoke(Duration.ofSeconds(60), "SweepFunction", () -> {
            try {
                new SweepHandler(Wiring.sweep(outside())).handleRequest(new ByteArrayInputStream("{}".getBytes(StandardCharsets.UTF_8)),
                        new ByteArrayOutputStream(), FakeContext.withSeconds(60));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        ruleOnCircuitEvents(before);
    }

    /** Schedules the code created, read back from the Scheduler stand-in, become resets due at their time. */
    private void noteSchedules() {
        for (FakeAws.CreatedSchedule schedule : aws.createdSchedules()) {
            if (schedulesSeen.add(schedule.name())) {
                String at = schedule.body().path("ScheduleExpression").asText().replace("at(", "").replace(")", "");
                resets.add(new Reset(schedule.body().path("Target").path("Input").asText(), LocalDateTime.parse(at).toInstant(ZoneOffset.UTC)));
            }
        }
    }

    // ------------------------------------------------------------------ the simulated queue

    final class SimQueue implements RequestQueue {
        final List<SimMessage> messages = new ArrayList<>();

        @Override
        public void send(String body, Claim.Kind kind, Instant requestedAt, Duration within) {
            FaultPlan.Kind fault = plan.call("Sqs.SendMessage");
            failIf(fault, within);
            if (fault == FaultPlan.Kind.SLOW) {
                clock.advance(shorter(within, FaultPlan.AWS_CALL_TIMEOUT).minusMillis(1));
            }
            messages.add(new SimMessage(body, kind, clock.instant(), requestedAt));
            if (fault == FaultPlan.Kind.DIE_AFTER) {
                plan.die();
            }
        }

        @Override
        public long backlog() {
            FaultPlan.Kind fault = plan.call("Sqs.GetQueueAttributes");
            failIf(fault, FaultPlan.AWS_CALL_TIMEOUT);
            if (fault == FaultPlan.Kind.SLOW) {
                clock.advance(FaultPlan.AWS_CALL_TIMEOUT.minusMillis(1));
            }
            long visible = messages.stream().filter(m -> !m.visibleAt.isAfter(clock.instant())).count();
            if (fault == FaultPlan.Kind.DIE_AFTER) {
                plan.die();
            }
            return visible;
        }

        /** A hanging call costs what the sender allowed it ({@code within}), at most the client's own timeout. */
        private void failIf(FaultPlan.Kind fault, Duration within) {
            if (fault == FaultPlan.Kind.EXCEPTION || fault == FaultPlan.Kind.THROTTLE) {
                throw SqsException.builder().statusCode(fault == FaultPlan.Kind.THROTTLE ? 400 : 500).message("injected").build();
            }
            if (fault == FaultPlan.Kind.TIMEOUT) {
                Duration hang = shorter(within, FaultPlan.AWS_CALL_TIMEOUT);
                clock.advance(hang);
                throw ApiCallTimeoutException.create(hang.toMillis());
            }
        }

        private Duration shorter(Duration a, Duration b) {
            return a.compareTo(b) < 0 ? a : b;
        }

        List<SimMessage> due(Instant now) {
            return messages.stream().filter(m -> !m.visibleAt.isAfter(now)).toList();
        }
    }

    static final class SimMessage {
        final String id = UUID.randomUUID().toString();
        final String body;
        final Claim.Kind kind;
        /** When SQS received it: its {@code SentTimestamp}. */
        final Instant sentAt;
        /** The {@code requestedAt} attribute our senders stamp; null for a message a game sent without it. */
        final Instant requestedAt;
        Instant visibleAt;
        int receives;

        SimMessage(String body, Claim.Kind kind, Instant visibleAt) {
            this(body, kind, visibleAt, null);
        }

        SimMessage(String body, Claim.Kind kind, Instant visibleAt, Instant requestedAt) {
            this.body = body;
            this.kind = kind;
            this.sentAt = visibleAt;
            this.visibleAt = visibleAt;
            this.requestedAt = requestedAt;
        }

        SQSEvent.SQSMessage toSqs() {
            SQSEvent.SQSMessage message = requestedAt == null ? LambdaEvents.sqsMessage(body, kind) : LambdaEvents.sqsMessage(body, kind, requestedAt);
            message.setMessageId(id);
            message.setAttributes(Map.of("SentTimestamp", Long.toString(sentAt.toEpochMilli()),
                    "ApproximateReceiveCount", Integer.toString(receives)));
            return message;
        }
    }

    /** A scheduled invocation of the reset function: the schedule's target input, when it fires, which try this is. */
    record Reset(String input, Instant at, int attempt) {
        Reset(String input, Instant at) {
            this(input, at, 1);
        }
    }
}
