package dev.loresmith.testing;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.circuit.Circuit;
import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitSettings;
import dev.loresmith.content.ContentId;
import dev.loresmith.content.ContentKey;
import dev.loresmith.content.ContentRequest;
import dev.loresmith.content.ContentTypes;
import dev.loresmith.generate.CircuitAdmin;
import dev.loresmith.generate.GenerateContent;
import dev.loresmith.generate.GenerateSettings;
import dev.loresmith.generate.Outcome;
import dev.loresmith.generate.ResetCircuit;
import dev.loresmith.handler.Env;
import dev.loresmith.handler.SqsGenerateHandler;
import dev.loresmith.handler.StreamEventsHandler;
import dev.loresmith.handler.Wiring;
import dev.loresmith.item.Claim;
import dev.loresmith.item.ContentItem;
import dev.loresmith.llm.AnthropicTransport;
import dev.loresmith.llm.BedrockTransport;
import dev.loresmith.llm.CallPlan;
import dev.loresmith.llm.LlmReply;
import dev.loresmith.llm.Provider;
import dev.loresmith.llm.Transport;
import dev.loresmith.metrics.GenerationMetrics;
import dev.loresmith.retry.Pause;
import dev.loresmith.retry.Retry;
import dev.loresmith.schedule.EventBridgeResetScheduler;
import dev.loresmith.secrets.ApiKeySource;
import dev.loresmith.storage.CircuitTable;
import dev.loresmith.storage.Config;
import dev.loresmith.storage.Conflicts;
import dev.loresmith.storage.ContentTable;
import dev.loresmith.storage.ProviderConfig;
import dev.loresmith.storage.StackSettings;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The generate flow wired as in Lambda, but against DynamoDB Local (fresh tables), a WireMock Anthropic,
 * a WireMock Scheduler, a hand-moved clock and captured logs.
 */
public final class FlowHarness {

    public static final String RESET_FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:loresmith-reset:live";
    public static final String SCHEDULER_ROLE_ARN = "arn:aws:iam::000000000000:role/loresmith-scheduler";
    public static final String PROVIDER = "anthropic";

    public final FakeAnthropic anthropic;
    public final FakeAws aws;
    /** Every DynamoDB request the flow under test sent. */
    public final RecordedRequests dynamoRequests = new RecordedRequests();
    /** Faults the flow's DynamoDB client will throw, when a test asks for them. */
    public final FaultInjector dynamoFaults = new FaultInjector();
    private final DynamoDbClient flowDynamo;
    public final TestAws.Tables tableNames;
    public final ContentTable contents;
    public final CircuitTable circuits;
    public final MutableClock clock = MutableClock.at("2026-11-25T10:00:00Z");
    public final LogCapture logs = new LogCapture();
    /** The EMF documents the handlers write. */
    public final LogCapture emf = new LogCapture();
    public final RecordingQueue queue = new RecordingQueue();
    /** The event bus the stream handler publishes to. */
    public final RecordingPublisher published = new RecordingPublisher();
    private TableStreams streams;
    public final ContentTypes types;
    public final Circuit circuit = new Circuit(CircuitSettings.DEFAULTS);
    private ApiKeySource apiKeys = ApiKeySource.fixed(SecretWatch.API_KEY);
    private GenerateSettings settings;
    /** How the flow's calls pass through the test (default: straight to the real transport). */
    private BiFunction<Transport, CallPlan, LlmReply> calls = Transport::send;

    public FlowHarness(FakeAnthropic anthropic, FakeAws aws) {
        this(anthropic, aws, ContentTypes.bundled());
    }

    public FlowHarness(FakeAnthropic anthropic, FakeAws aws, ContentTypes types) {
        this.anthropic = anthropic;
        this.aws = aws;
        this.types = types;
        this.tableNames = TestAws.freshTables();
        this.flowDynamo = TestAws.dynamo(dynamoRequests, dynamoFaults);
        Retry conflicts = new Retry(Conflicts.POLICY, Pause.NONE, clock);
        this.circuits = new CircuitTable(flowDynamo, tableNames.circuit(), conflicts);
        this.contents = new ContentTable(flowDynamo, tableNames.content(), circuits, conflicts);
        this.settings = Wiring.settings(new Env(environment()));
    }

    public FlowHarness withApiKey(String key) {
        flow = null;
        apiKeys = ApiKeySource.fixed(key);
        return this;
    }

    public FlowHarness withApiKeys(ApiKeySource source) {
        flow = null;
        apiKeys = source;
        return this;
    }

    public FlowHarness withApiTimeout(Duration timeout) {
        flow = null;
        settings = settings.toBuilder().apiTimeout(timeout).build();
        return this;
    }

    /** The flow's calls go through {@code through} (given the real transport and the plan): to record, delay or fail them. */
    public FlowHarness withCalls(BiFunction<Transport, CallPlan, LlmReply> through) {
        flow = null;
        calls = through;
        return this;
    }

    private FakeBedrock bedrock;

    /** Bedrock is reached at {@code fake} (otherwise at a loopback port nothing listens on). */
    public FlowHarness withBedrock(FakeBedrock fake) {
        flow = null;
        bedrock = fake;
        return this;
    }

    /**
     * The stack's provider order and Bedrock model, as the custom resource writes them ({@code Providers},
     * {@code BedrockModelId}).
     */
    public FlowHarness providers(String order) {
        circuits.writeStackSettings(new StackSettings(null, null, null, null, Provider.parseList(order).orElseThrow(), BEDROCK_MODEL));
        return this;
    }

    /** The Bedrock model the harness configures: an inference profile's id, with the {@code :} InvokeModel's path encodes. */
    public static final String BEDROCK_MODEL = "global.anthropic.claude-sonnet-4-5-20250929-v1:0";

    /** The transport the flow uses: the real Anthropic transport, against the fake, through the test's hands. */
    public Transport transport() {
        return transport(Provider.ANTHROPIC);
    }

    /** The real transport to {@code provider}, against its fake, through the test's hands. */
    public Transport transport(Provider provider) {
        return Transports.around(switch (provider) {
            case ANTHROPIC -> new AnthropicTransport(apiKeys);
            case BEDROCK -> new BedrockTransport(TestAws.CREDENTIALS, TestAws.REGION,
                    URI.create(bedrock == null ? "http://127.0.0.1:9" : bedrock.endpoint()));
        }, calls);
    }

    private GenerateContent flow;

    /** The flow, one per harness like one per Lambda execution environment (rebuilt when the key or settings change). */
    public GenerateContent flow() {
        if (flow == null) {
            flow = Wiring.generateContent(outside(), new Wiring.Tables(contents, circuits), settings);
        }
        return flow;
    }

    /** What the functions find around them here: this harness's clock, tables, fakes and captured output. */
    public TestOutside outside() {
        return new TestOutside()
                .env(environment())
                .dynamo(flowDynamo)
                .transport(Provider.ANTHROPIC, this::transport)
                .transport(Provider.BEDROCK, () -> transport(Provider.BEDROCK))
                .resets(new EventBridgeResetScheduler(aws.scheduler(), aws.scheduleGroup(), RESET_FUNCTION_ARN, SCHEDULER_ROLE_ARN, logs.log(clock)))
                .queue(queue)
                .events(published)
                .backoff(Pause.NONE)
                .waits(queue.pumpingSleeper(clock))
                .clock(clock)
                .log(logs.log(clock))
                .metrics(new GenerationMetrics(emf, clock));
    }

    /** The variables template.yaml gives the functions, pointing at this harness. */
    public Map<String, String> environment() {
        return Map.of(
                "AWS_REGION", TestAws.REGION.id(),
                "CONTENT_TABLE", tableNames.content(),
                "CIRCUIT_TABLE", tableNames.circuit(),
                "ANTHROPIC_BASE_URL", anthropic.baseUrl());
    }

    /**
     * From now on the queue is worked as SQS and Lambda would: each message the handlers send goes to the SQS
     * handler (built on these services) while an API request waits — so "wait": true sees it finished.
     */
    public void workQueue() {
        SqsGenerateHandler handler = new SqsGenerateHandler(Wiring.generate(outside()));
        queue.consumedBy(sent -> {
            SQSEvent event = new SQSEvent();
            event.setRecords(List.of(sent.toSqsMessage()));
            handler.handleRequest(event, FakeContext.withSeconds(45));
        });
    }

    /**
     * Both tables' streams (DynamoDB Local's real stream records), read from this point on and handed to the
     * stream handler, which publishes to {@link #published}. {@code drain()} publishes what happened since.
     */
    public TableStreams streams() {
        if (streams == null) {
            streams = new TableStreams(TestAws.dynamo(), TestAws.streams(), new StreamEventsHandler(Wiring.streamEvents(outside())),
                    List.of(tableNames.content(), tableNames.circuit())).fromNow();
        }
        return streams;
    }

    /** The admin routes' use case, wired as the circuit function wires it. */
    public CircuitAdmin circuitAdmin() {
        return Wiring.circuitAdmin(outside()).admin();
    }

    public ResetCircuit reset() {
        return new ResetCircuit(circuits, circuit, logs.log(clock));
    }

    public ContentRequest request(String type, String id, JsonNode context) {
        return new ContentRequest(types.find(type).orElseThrow(), ContentId.parse(id), context);
    }

    /** Runs the flow with a deadline far enough away that only the API timeout bounds the call. */
    public Outcome generate(String type, long id) {
        return generate(type, Long.toUnsignedString(id), null);
    }

    public Outcome generate(String type, String id, JsonNode context) {
        return flow().generate(request(type, id, context), Claim.Kind.REQUEST, clock.instant().plus(Duration.ofMinutes(10)));
    }

    /** Runs the flow as an upgrade of the item (what an upgrade message does). */
    /** One quest request through the SQS handler, as Lambda runs it (45 s left), at the harness clock's time. */
    public void viaSqs(long id) {
        SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
        message.setMessageId("m-" + id);
        message.setBody("{\"contentType\":\"quest_description\",\"contentId\":" + id + "}");
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(message));
        new SqsGenerateHandler(Wiring.generate(outside())).handleRequest(event, new FakeContext(45_000));
    }

    public Outcome upgrade(String type, long id) {
        return flow().generate(request(type, Long.toUnsignedString(id), null), Claim.Kind.UPGRADE, clock.instant().plus(Duration.ofMinutes(10)));
    }

    public ContentItem item(String type, long id) {
        return contents.find(new ContentKey(type, ContentId.parse(Long.toUnsignedString(id)))).orElseThrow();
    }

    public CircuitRecord circuitRecord() {
        return circuits.circuit(Provider.ANTHROPIC);
    }

    public Config config() {
        return circuits.read();
    }

    /** Anthropic's item, as the flow reads it. */
    public ProviderConfig providerConfig() {
        return config().provider(Provider.ANTHROPIC);
    }

    /** Puts the stack item (settings, provider order, budget and its counter) as {@code attributes} say, as an operator might. */
    public void stackItem(Map<String, AttributeValue> attributes) {
        attributes.forEach((name, value) -> dynamo().updateItem(r -> r.tableName(tableNames.circuit())
                .key(Map.of("provider", AttributeValue.fromS("stack")))
                .updateExpression("SET #a = :v").expressionAttributeNames(Map.of("#a", name)).expressionAttributeValues(Map.of(":v", value))));
    }

    /** The raw DynamoDB attributes of the stack item (settings, provider order, budget and its counter). */
    public Map<String, AttributeValue> rawStackItem() {
        return dynamo().getItem(r -> r.tableName(tableNames.circuit()).key(Map.of("provider", AttributeValue.fromS("stack")))
                .consistentRead(true)).item();
    }

    /** The raw DynamoDB attributes of the provider's circuit/config item (the public attribute contract). */
    public Map<String, AttributeValue> rawCircuitItem() {
        return dynamo().getItem(r -> r.tableName(tableNames.circuit()).key(Map.of("provider", AttributeValue.fromS(PROVIDER)))
                .consistentRead(true)).item();
    }

    public Map<String, AttributeValue> rawContentItem(String type, long id) {
        return dynamo().getItem(r -> r.tableName(tableNames.content())
                .key(Map.of("pk", AttributeValue.fromS(type + "#" + Long.toUnsignedString(id)))).consistentRead(true)).item();
    }

    public DynamoDbClient dynamo() {
        return TestAws.dynamo();
    }

    /** Puts the circuit into {@code record}'s state, as if earlier traffic had left it there. */
    public void circuitIs(CircuitRecord record) {
        if (!circuits.replace(Provider.ANTHROPIC, circuitRecord(), record)) {
            throw new IllegalStateException("could not set the circuit");
        }
    }

    public Instant now() {
        return clock.instant();
    }
}
