package dev.loresmith.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.loresmith.Json;
import dev.loresmith.content.ContentTypes;
import dev.loresmith.events.DomainEvent;
import dev.loresmith.handler.ApiHandler;
import dev.loresmith.handler.AwsOutside;
import dev.loresmith.handler.CircuitAdminHandler;
import dev.loresmith.handler.DeadLetterHandler;
import dev.loresmith.handler.Env;
import dev.loresmith.handler.ResetHandler;
import dev.loresmith.handler.SqsGenerateHandler;
import dev.loresmith.handler.StreamEventsHandler;
import dev.loresmith.handler.SweepHandler;
import dev.loresmith.handler.Wiring;
import dev.loresmith.llm.BedrockTransport;
import dev.loresmith.llm.Provider;
import dev.loresmith.log.ErrorSummary;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.metrics.GenerationMetrics;
import dev.loresmith.queue.RequestQueue;
import dev.loresmith.retry.Pause;
import dev.loresmith.storage.StackSettings;
import dev.loresmith.testing.Handlers;
import dev.loresmith.testing.LambdaEvents;
import dev.loresmith.testing.TableStreams;
import dev.loresmith.testing.Template;
import dev.loresmith.testing.TemplateTables;
import dev.loresmith.testing.TestAws;
import dev.loresmith.testing.TestOutside;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Loresmith on one machine, with only a JDK: DynamoDB Local in-process (or the emulator named by
 * {@code AWS_ENDPOINT_URL}), both tables created from template.yaml, and the Lambda handlers themselves behind local
 * stand-ins — an HTTP server routing like API Gateway, an in-process queue for SQS (with its redrive to the dead-letter
 * handler), a clock-driven timer for EventBridge Scheduler, a reader of DynamoDB Local's streams for the stream
 * mappings, an event bus, and on request a built-in fake model API per provider. Everything listens on the loopback
 * interface only; its files go to {@code function/target/local/}. Lives in test scope: none of it is in the Lambda
 * package. The command line is {@link LocalCommand}'s; any failure prints one line to stderr and exits 1 (a
 * {@link RunnerProblem} adds a line saying what to do; an unexpected one's stack trace goes to a file it names), usage
 * errors exit 2.
 */
public final class LocalRunner implements AutoCloseable {

    public static final String CONTENT_TABLE = "loresmith-content";
    public static final String CIRCUIT_TABLE = "loresmith-circuit";
    /** The README's command line for the local runner. */
    static final String COMMAND = "mvn -q -f function test-compile exec:java@local";

    /** How a runner starts: the environment it reads, its clock, what becomes of each published event, its log, its fakes. */
    static final class Setup {
        private Map<String, String> env = Map.of();
        private Clock clock = Clock.systemUTC();
        private Consumer<DomainEvent> events = event -> { };
        private String logName = "local";
        private final Map<Provider, FakeModelApi.Script> fakes = new EnumMap<>(Provider.class);
        private List<Provider> providers = List.of(Provider.ANTHROPIC);

        Setup env(Map<String, String> value) {
            env = value;
            return this;
        }

        Setup clock(Clock value) {
            clock = value;
            return this;
        }

        Setup events(Consumer<DomainEvent> value) {
            events = value;
            return this;
        }

        /** Prints each published event as one line: detail-type and detail. */
        Setup printEvents(PrintStream out) {
            return events(event -> out.println("  event  " + event.detailType() + "  " + event.detail()));
        }

        /** The log file's name under function/target/local/ (the next run of the same name overwrites it). */
        Setup logName(String value) {
            logName = value;
            return this;
        }

        /** Where text comes from, in order: what the {@code Providers} parameter would be (default {@code anthropic}). */
        Setup providers(List<Provider> value) {
            providers = List.copyOf(value);
            return this;
        }

        /** {@code provider}'s calls go to a built-in fake API answering as {@code script} says, with a fake key. */
        Setup fake(Provider provider, FakeModelApi.Script script) {
            fakes.put(provider, script);
            return this;
        }

        LocalRunner start() {
            try {
                return new LocalRunner(this);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private final Map<String, String> env;
    private final String dynamoDescription;
    private final TestOutside outside;
    private final Wiring.Tables tables;
    private final ContentTypes types = ContentTypes.bundled();
    private final Clock clock;
    private final InProcessQueue queue;
    private final InProcessScheduler scheduler;
    private final LocalBus bus;
    private final TableStreams streams;
    private final Map<Provider, FakeModelApi> fakes = new EnumMap<>(Provider.class);
    private final Map<Provider, FakeModelApi.Script> scripts;
    private final List<Provider> providers;
    private final Path logFile;
    private final PrintStream logStream;
    private final ScheduledExecutorService ticker;
    /** The clockwork tick() started (kept so its futures are not ignored; close() stops the ticker). */
    private final List<ScheduledFuture<?>> ticking = new CopyOnWriteArrayList<>();
    private HttpServer server;

    private LocalRunner(Setup setup) throws IOException {
        this.clock = setup.clock;
        this.scripts = Map.copyOf(setup.fakes);
        this.providers = setup.providers;
        Map<String, String> systemEnv = new HashMap<>(setup.env);
        for (Map.Entry<Provider, FakeModelApi.Script> fake : setup.fakes.entrySet()) {
            FakeModelApi api = new FakeModelApi(fake.getKey(), fake.getValue());
            fakes.put(fake.getKey(), api);
            systemEnv.putAll(api.environment()); // its own fake key: a real key never reaches a fake
        }
        logFile = LocalFiles.file(setup.logName + ".log");
        logStream = new PrintStream(Files.newOutputStream(logFile), true, StandardCharsets.UTF_8);
        Template template = Template.load();
        String external = first(systemEnv, "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL");
        URI endpoint = external != null ? URI.create(external) : TestAws.startDynamoDbLocal();
        dynamoDescription = external != null ? "existing endpoint " + external + " (AWS_ENDPOINT_URL)"
                : "embedded DynamoDB Local, in memory, at " + endpoint + " (loopback only)";
        Region region = Region.of(systemEnv.getOrDefault("AWS_REGION", "us-east-1"));
        DynamoDbClient dynamo = DynamoDbClient.builder().endpointOverride(endpoint).region(region)
                .credentialsProvider(TestAws.CREDENTIALS).httpClient(UrlConnectionHttpClient.create()).build();
        TemplateTables definitions = new TemplateTables(template);
        createIfMissing(definitions, dynamo, "ContentTable", CONTENT_TABLE);
        createIfMissing(definitions, dynamo, "CircuitTable", CIRCUIT_TABLE);

        env = new HashMap<>();
        env.put("AWS_REGION", region.id());
        env.put("CONTENT_TABLE", CONTENT_TABLE);
        env.put("CIRCUIT_TABLE", CIRCUIT_TABLE);
        env.put("ANTHROPIC_API_KEY", systemEnv.getOrDefault("ANTHROPIC_API_KEY", ""));

        StructuredLog log = StructuredLog.to(logStream, clock);
        TestOutside[] self = new TestOutside[1];
        queue = new InProcessQueue(() -> new SqsGenerateHandler(Wiring.generate(self[0])), () -> new DeadLetterHandler(Wiring.deadLetter(self[0])),
                template.functionTimeout("GenerateFunction"));
        scheduler = new InProcessScheduler(() -> new ResetHandler(Wiring.reset(self[0])), clock, log);
        bus = new LocalBus(setup.events, () -> sweep("circuit event"));
        AwsOutside aws = new AwsOutside(new Env(env));
        FakeModelApi fakeBedrock = fakes.get(Provider.BEDROCK);
        outside = new TestOutside().env(env).dynamo(dynamo).queue(queue).resets(scheduler).events(bus).clock(clock).log(log)
                .backoff(Pause.REAL).waits(Pause.REAL).transport(Provider.ANTHROPIC, () -> aws.transport(Provider.ANTHROPIC))
                // Bedrock: the fake, signed with the stand-in credentials; else the real one, with your AWS credentials and region
                .transport(Provider.BEDROCK, () -> fakeBedrock != null ? new BedrockTransport(TestAws.CREDENTIALS, region, fakeBedrock.baseUrl())
                        : aws.transport(Provider.BEDROCK))
                .metrics(GenerationMetrics.to(GenerationMetrics.NAMESPACE, logStream, clock));
        self[0] = outside;
        tables = Wiring.tables(outside);
        // What the stack's custom resource does on deploy: the template's settings, from this environment.
        tables.circuits().writeStackSettings(new StackSettings(
                systemEnv.getOrDefault("MODEL_ID", template.parameterDefault("ModelId")),
                Integer.parseInt(systemEnv.getOrDefault("MAX_TOKENS", template.parameterDefault("MaxTokens"))),
                systemEnv.getOrDefault("ANTHROPIC_BASE_URL", template.parameterDefault("AnthropicBaseUrl")),
                Long.parseLong(systemEnv.getOrDefault("DAILY_TOKEN_BUDGET", template.parameterDefault("DailyTokenBudget"))),
                providers,
                systemEnv.getOrDefault("BEDROCK_MODEL_ID", template.parameterDefault("BedrockModelId"))));
        DynamoDbStreamsClient streamsClient = DynamoDbStreamsClient.builder().endpointOverride(endpoint).region(region)
                .credentialsProvider(TestAws.CREDENTIALS).httpClient(UrlConnectionHttpClient.create()).build();
        streams = new TableStreams(dynamo, streamsClient, new StreamEventsHandler(Wiring.streamEvents(outside)), List.of(CONTENT_TABLE, CIRCUIT_TABLE)).fromNow();
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "local-ticker");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts everything but the HTTP server, on the system's clock, printing events to {@code events}; its log is local.log. */
    public static LocalRunner start(Map<String, String> systemEnv, PrintStream events) {
        return new Setup().env(systemEnv).printEvents(events).start();
    }

    /** Runs the stand-ins' clockwork: due resets every second, stream records as they come, an upgrade sweep every minute. */
    LocalRunner tick() {
        ticking.add(ticker.scheduleWithFixedDelay(this::quietly, 200, 200, TimeUnit.MILLISECONDS));
        ticking.add(ticker.scheduleWithFixedDelay(() -> sweep("every minute"), 60, 60, TimeUnit.SECONDS));
        return this;
    }

    private void quietly() {
        try {
            scheduler.fireDue();
            streams.drain();
        } catch (RuntimeException e) {
            outside.log().error("local ticker failed", "error", ErrorSummary.of(e));
        }
    }

    private void sweep(String trigger) {
        try {
            new SweepHandler(Wiring.sweep(outside)).handleRequest(new ByteArrayInputStream(
                    ("{\"detail-type\":\"" + trigger + "\"}").getBytes(StandardCharsets.UTF_8)), new ByteArrayOutputStream(),
                    new LocalContext("SweepFunction", 60));
        } catch (IOException | RuntimeException e) {
            outside.log().error("local sweep failed", "error", ErrorSummary.of(e));
        }
    }

    /**
     * Listens on localhost:{@code port} (0: any free port), or says which port is taken and how to choose another. Done
     * before anything else starts, so a busy port fails at once.
     */
    static HttpServer bind(int port) throws IOException {
        try {
            return HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        } catch (BindException e) {
            boolean inUse = String.valueOf(e.getMessage()).contains("in use"); // the JDK's words, read, never printed
            throw new RunnerProblem(inUse ? "port " + port + " on localhost is already in use (another serve, or another program)"
                    : "cannot listen on port " + port + " on localhost (a port below 1024 needs privileges)",
                    "serve on another port: " + COMMAND + " -Dexec.args=\"serve --port 8080\" (or LORESMITH_PORT=8080; --port 0 takes any free port)");
        }
    }

    /** Serves the HTTP API on localhost:{@code port} (0 = any free port), routed as the template routes it. */
    public LocalRunner serve(int port) throws IOException {
        return serve(bind(port));
    }

    LocalRunner serve(HttpServer bound) {
        Template template = Template.load();
        Map<String, HttpApiAdapter.RouteHandler> functions = new LinkedHashMap<>();
        functions.put("ApiFunction", new ApiHandler(Wiring.api(outside))::handleRequest);
        functions.put("CircuitFunction", new CircuitAdminHandler(Wiring.circuitAdmin(outside))::handleRequest);
        Map<String, Integer> timeouts = new HashMap<>();
        functions.keySet().forEach(f -> timeouts.put(f, template.functionTimeout(f)));
        server = bound;
        server.createContext("/", new HttpApiAdapter(HttpRoutes.of(template), functions, timeouts));
        server.setExecutor(Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "local-http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return this;
    }

    public URI baseUrl() {
        return URI.create("http://localhost:" + server.getAddress().getPort());
    }

    public Wiring.Tables tables() {
        return tables;
    }

    ContentTypes types() {
        return types;
    }

    RequestQueue queue() {
        return queue;
    }

    TestOutside outside() {
        return outside;
    }

    Clock clock() {
        return clock;
    }

    InProcessScheduler scheduler() {
        return scheduler;
    }

    /** The fake answering {@code provider}'s calls, if one does. */
    FakeModelApi fake(Provider provider) {
        return fakes.get(provider);
    }

    /** Waits until every queued request has been generated (or fallen back). */
    public void awaitQueueIdle() {
        queue.awaitIdle();
    }

    /** Publishes what the tables' streams hold now. */
    void drainStreams() {
        streams.drain();
    }

    List<DomainEvent> events() {
        return bus.published();
    }

    Path logFile() {
        return logFile;
    }

    public boolean hasApiKey() {
        return !env.get("ANTHROPIC_API_KEY").isBlank();
    }

    void printBanner(PrintStream out) {
        out.println("Loresmith is running locally.");
        out.println("  DynamoDB:  " + dynamoDescription);
        out.println("  tables:    " + CONTENT_TABLE + ", " + CIRCUIT_TABLE + " (from template.yaml, with their streams)");
        if (server != null) {
            out.println("  HTTP API:  " + baseUrl() + "  (template.yaml's routes, to the Lambda ApiHandler and CircuitAdminHandler;");
            out.println("             any other answers 404 {\"message\":\"Not Found\"} as API Gateway does; no IAM auth locally)");
        }
        out.println("  queue:     in-process, delivering to the Lambda SqsGenerateHandler (dead letters to DeadLetterHandler)");
        out.println("  resets:    in-process timer, invoking the Lambda ResetHandler");
        out.println("  events:    DynamoDB Local's streams through the Lambda StreamEventsHandler, printed as they are published");
        out.println("  providers: " + Provider.listText(providers) + "  (in order: a counted failure or a 429 moves a request on to the next;"
                + " --providers to change)");
        for (Provider provider : providers) {
            out.println(describe(provider));
        }
        out.println("  logs:      " + logFile + "  (JSON lines: the functions' logs and metrics)");
    }

    /** Who answers {@code provider}'s calls: a fake, the real API with a key, or nobody (every request falls back no_config). */
    private String describe(Provider provider) {
        String label = String.format("  %-10s ", provider + ":");
        FakeModelApi fake = fakes.get(provider);
        if (fake != null) {
            return label + "the built-in FAKE API at " + fake.baseUrl() + ": " + scripts.get(provider).description() + "\n"
                    + " ".repeat(label.length()) + "(no key needed; its text is fake, and the items say so)";
        }
        return switch (provider) {
            case BEDROCK -> label + "Amazon Bedrock in " + env.get("AWS_REGION") + ", model " + tables.circuits().read().model(Provider.BEDROCK, "?")
                    + ", with your AWS credentials\n" + " ".repeat(label.length()) + "(without any: config_unavailable, and the request moves on;"
                    + " --fake bedrock=" + FakeBehaviour.HEALTHY + " answers with a fake API)";
            case ANTHROPIC -> hasApiKey()
                    ? label + tables.circuits().read().baseUrl("?") + ", model " + tables.circuits().read().model(Provider.ANTHROPIC, "?")
                    : label + "ANTHROPIC_API_KEY is not set, so every request falls back with reason no_config: deterministic fallback\n"
                            + " ".repeat(label.length()) + "text, no call. No key is the first gate, so a circuit forced open still answers\n"
                            + " ".repeat(label.length()) + "no_config: set the key, or add --fake " + FakeBehaviour.HEALTHY + " (or "
                            + FakeBehaviour.FAILING + ", " + FakeBehaviour.SLOW + ", " + FakeBehaviour.RATE_LIMITING + ") to answer with a fake API.";
        };
    }

    void printCurls(PrintStream out) {
        out.println();
        out.println("Try:");
        out.println("  curl -si -X POST " + baseUrl() + "/content -H 'content-type: application/json' \\");
        out.println("       -d '{\"contentType\":\"quest_description\",\"contentId\":42,\"context\":{\"questName\":\"The Drowned Bell\"}}'");
        out.println("  curl -s " + baseUrl() + "/content/quest_description/42");
        out.println("  curl -s " + baseUrl() + "/circuit");
        out.println("  curl -s -X PUT " + baseUrl() + "/circuit -d '{\"state\":\"open\"}'     (then \"auto\" to hand it back)");
        if (providers.size() > 1) {
            out.println("  curl -s -X PUT " + baseUrl() + "/circuit -d '{\"state\":\"open\",\"provider\":\"" + providers.get(0)
                    + "\"}'   (the first provider off: requests fail over to " + providers.get(1) + ")");
        }
    }

    /** Requests one item of each content type over the HTTP API, waits for them, and prints them. */
    List<JsonNode> demo(PrintStream out) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        Map<String, String> contexts = new LinkedHashMap<>();
        contexts.put("quest_description", "{\"questName\":\"The Drowned Bell\",\"giver\":{\"name\":\"Old Mara\",\"village\":\"Saltmere\"}}");
        contexts.put("event_consequence", "\"The river dam at Holloway broke during the night.\"");
        for (String type : types.names()) {
            String body = "{\"contentType\":\"" + type + "\",\"contentId\":1"
                    + (contexts.containsKey(type) ? ",\"context\":" + contexts.get(type) : "") + "}";
            HttpResponse<String> posted = http.send(HttpRequest.newBuilder(baseUrl().resolve("/content"))
                    .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            out.println("POST /content " + type + " -> " + posted.statusCode());
        }
        awaitQueueIdle();
        drainStreams();
        List<JsonNode> items = new ArrayList<>();
        for (String type : types.names()) {
            HttpResponse<String> got = http.send(HttpRequest.newBuilder(baseUrl().resolve("/content/" + type + "/1")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode item = Json.read(got.body());
            items.add(item);
            out.println();
            out.println("GET /content/" + type + "/1 -> " + got.statusCode() + "  status=" + item.path("status").asText()
                    + "  model=" + item.path("model").asText() + (item.has("provider") ? "  provider=" + item.path("provider").asText() : "")
                    + (item.has("providerReasons") ? "  providerReasons=" + item.path("providerReasons") : ""));
            out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(item.path("content")));
        }
        if (items.stream().anyMatch(i -> i.path("status").asText().equals("failed"))) {
            out.println();
            out.println("status=failed means the request was served a fallback: the document above, of the type's shape, at once.");
        }
        if (events().isEmpty()) {
            out.println("No events: ContentReady announces an item becoming ready; a fallback announces nothing (until an upgrade,");
            out.println("if its reason is upgraded, makes it ready). The outage demo shows every event.");
        }
        return items;
    }

    /**
     * Runs one function on one event file, like {@code sam local invoke FUNCTION -e FILE}; returns its output — for a
     * CloudFormation custom resource event, the answer CloudFormation would receive at its ResponseURL (stood in for).
     * An event of another function's kind is refused ({@link LocalCommand.Usage}); what the event expects to find is
     * seeded first ({@link InvokeSeeds}), each seed named in a line on {@code notes}.
     */
    String invoke(String function, Path eventFile, PrintStream notes) throws Exception {
        Template template = Template.load();
        byte[] input = Files.readAllBytes(eventFile);
        JsonNode parsed = checkShape(function, eventFile, input, template);
        for (String seeded : new InvokeSeeds(this).seed(function, parsed)) {
            notes.println("seeded: " + seeded);
        }
        Class<?> type = Class.forName(template.handlerClass(function), true, LocalRunner.class.getClassLoader());
        Object handler = Handlers.build(type, outside);
        LocalContext context = new LocalContext(function, template.functionTimeout(function));
        String output;
        if (handler instanceof RequestStreamHandler stream && parsed.has("ResponseURL") && parsed.has("RequestType")) {
            // A CloudFormation custom resource event: its answer goes to the ResponseURL, stood in for here and printed.
            try (LocalResponseUrl cloudFormation = new LocalResponseUrl()) {
                ((ObjectNode) parsed).put("ResponseURL", cloudFormation.url().toString());
                stream.handleRequest(new ByteArrayInputStream(Json.write(parsed).getBytes(StandardCharsets.UTF_8)),
                        new ByteArrayOutputStream(), context);
                output = cloudFormation.answers().isEmpty() ? "null" : cloudFormation.answers().get(0);
            }
        } else if (handler instanceof RequestStreamHandler stream) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            stream.handleRequest(new ByteArrayInputStream(input), out, context);
            output = out.toString(StandardCharsets.UTF_8);
        } else {
            @SuppressWarnings("unchecked")
            RequestHandler<Object, Object> typed = (RequestHandler<Object, Object>) handler;
            Object result = typed.handleRequest(LambdaEvents.read(inputType(type), input), context);
            output = LambdaEvents.write(result);
        }
        awaitQueueIdle();
        drainStreams();
        return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(Json.read(output.isBlank() ? "null" : output));
    }

    /** The event as JSON, if it is the kind {@code function} takes (for an HTTP request: one of its own routes). */
    private static JsonNode checkShape(String function, Path file, byte[] input, Template template) {
        JsonNode event;
        try {
            event = Json.read(new String(input, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new LocalCommand.Usage(file + " is not JSON" + (e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
        }
        EventShape expected = EventShape.TAKEN_BY.get(function);
        EventShape given = EventShape.of(event).orElse(null);
        if (given != expected) {
            throw new LocalCommand.Usage(file + " is " + (given == null ? "no event any function takes" : given.description()) + ", but "
                    + function + " takes " + expected.description() + ", like " + expected.sample());
        }
        if (given == EventShape.HTTP_API) {
            String method = event.path("requestContext").path("http").path("method").asText();
            String path = event.path("rawPath").asText();
            HttpRoutes.Route route = HttpRoutes.of(template).find(method, path).map(HttpRoutes.Match::route).orElse(null);
            if (route == null || !route.function().equals(function)) {
                throw new LocalCommand.Usage(file + " is a request for " + method + " " + path + ", which template.yaml routes "
                        + (route == null ? "nowhere (API Gateway answers 404)" : "to " + route.function()) + ", not to " + function);
            }
        }
        return event;
    }

    /** The event class a {@code RequestHandler<I, O>} takes, as the Lambda runtime finds it. */
    private static Class<?> inputType(Class<?> handler) {
        for (Type implemented : handler.getGenericInterfaces()) {
            if (implemented instanceof ParameterizedType p && p.getRawType() == RequestHandler.class) {
                return (Class<?>) p.getActualTypeArguments()[0];
            }
        }
        throw new IllegalStateException(handler.getName() + " is not a RequestHandler");
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        if (server != null) {
            server.stop(0);
        }
        queue.close();
        fakes.values().forEach(FakeModelApi::close);
        logStream.close();
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * The command line, returning the exit code: 0 done, 1 failed (one line on {@code err}; an unexpected failure's stack
     * trace in a file), 2 usage. {@code serve} returns only if it fails to start.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        LocalCommand command;
        try {
            command = LocalCommand.parse(List.of(args), System.getenv());
        } catch (LocalCommand.Usage e) {
            err.println(e.getMessage());
            err.println(LocalCommand.USAGE);
            return 2;
        }
        String mode = command.mode().wireName();
        try {
            return switch (command.mode()) {
                case DEMO -> runDemo(command, out);
                case OUTAGE -> {
                    starting(out, "outage");
                    OutageDemo.run(out, System.getenv(), command.providers());
                    yield 0;
                }
                case SERVE -> runServe(command, out);
                case INVOKE -> runInvoke(command, out, err);
            };
        } catch (LocalCommand.Usage e) {
            err.println(e.getMessage());
            return 2;
        } catch (RunnerProblem e) {
            err.println("loresmith local " + mode + " failed: " + e.getMessage());
            err.println("  " + e.remedy());
            return 1;
        } catch (Throwable e) {
            Path trace = crashLog(mode, e);
            err.println("loresmith local " + mode + " failed: " + describe(e));
            err.println("  stack trace: " + trace);
            return 1;
        }
    }

    /** The first line, printed before anything starts: DynamoDB Local and the handlers take a few seconds. */
    static void starting(PrintStream out, String mode) {
        out.println("Loresmith local " + mode + ": starting DynamoDB Local, the tables from template.yaml and the Lambda handlers"
                + " (a few seconds)...");
    }

    private static LocalRunner.Setup withFakes(LocalCommand command) {
        Setup setup = new Setup().env(System.getenv()).providers(command.providers());
        command.fakes().forEach((provider, behaviour) -> setup.fake(provider, FakeModelApi.Script.always(behaviour)));
        return setup;
    }

    private static int runDemo(LocalCommand command, PrintStream out) throws Exception {
        starting(out, "demo");
        try (LocalRunner runner = withFakes(command).printEvents(out).logName("demo").start().serve(0).tick()) {
            runner.printBanner(out);
            out.println();
            runner.demo(out);
            out.println();
            if (!runner.fakes.isEmpty()) {
                out.println("Demo done: the text above came from the built-in fake API (model " + FakeModelApi.FAKE_MODEL + "), not a model.");
            } else {
                out.println(runner.hasApiKey() ? "Demo done." : "Demo done: fallbacks (reason no_config), because ANTHROPIC_API_KEY is not set.");
            }
            out.println("To keep the API up: " + COMMAND + " -Dexec.args=serve");
            out.println("  (-Dexec.args=\"serve --fake failing\" to see the circuit open without a key)");
            out.println("To see an outage and its recovery: " + COMMAND + " -Dexec.args=outage");
            return 0;
        }
    }

    private static int runServe(LocalCommand command, PrintStream out) throws IOException, InterruptedException {
        HttpServer bound = bind(command.port());
        starting(out, "serve");
        LocalRunner runner = withFakes(command).printEvents(out).logName("serve").start().serve(bound).tick();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            runner.close();
            out.println("Stopped.");
            stopped.countDown();
        }, "local-shutdown"));
        runner.printBanner(out);
        runner.printCurls(out);
        out.println();
        out.println("Ctrl-C to stop.");
        stopped.await(); // until Ctrl-C: the JVM then runs the hook above and exits
        return 0;
    }

    /** One function on one event: its answer alone on {@code out} (JSON); what it did besides, on {@code err}. No banner. */
    private static int runInvoke(LocalCommand command, PrintStream out, PrintStream err) throws Exception {
        String function = command.operands().get(0);
        String given = command.operands().get(1);
        Path event = Path.of(given);
        if (!Files.isRegularFile(event) && Files.isRegularFile(Template.repositoryRoot().resolve(given))) {
            event = Template.repositoryRoot().resolve(given);
        }
        if (!Files.isRegularFile(event)) {
            throw new LocalCommand.Usage("no event file " + given + " (looked here and in " + Template.repositoryRoot() + ")");
        }
        Set<String> functions = Template.load().resources("AWS::Serverless::Function").keySet();
        if (!functions.contains(function)) {
            throw new LocalCommand.Usage("template.yaml has no function " + function + "; functions: " + functions);
        }
        checkShape(function, event, Files.readAllBytes(event), Template.load()); // before anything starts: a wrong event fails at once
        err.println("Loresmith local invoke: " + function + " on " + given + ", against fresh local tables (a few seconds)...");
        try (LocalRunner runner = new Setup().env(System.getenv()).printEvents(err).logName("invoke").start()) {
            out.println(runner.invoke(function, event, err));
            err.println("logs: " + runner.logFile());
            return 0;
        }
    }

    /** One line: the exception's class, and its message when it is one of our own words (never a foreign message). */
    static String describe(Throwable e) {
        Throwable root = e;
        while (root instanceof InvocationTargetException && root.getCause() != null) {
            root = root.getCause();
        }
        boolean ours = root instanceof IllegalArgumentException || root instanceof IllegalStateException
                || root instanceof UncheckedIOException || root instanceof NoSuchFileException;
        return ErrorSummary.of(root) + (ours && root.getMessage() != null ? ": " + root.getMessage() : "");
    }

    /** The stack trace, in function/target/local/MODE-failure.log (the next failure of the mode overwrites it). */
    private static Path crashLog(String mode, Throwable e) {
        try {
            Path file = LocalFiles.file(mode + "-failure.log");
            try (PrintStream trace = new PrintStream(Files.newOutputStream(file), true, StandardCharsets.UTF_8)) {
                e.printStackTrace(trace);
            }
            return file;
        } catch (IOException | RuntimeException io) {
            return Path.of("(not written)");
        }
    }

    private static void createIfMissing(TemplateTables tables, DynamoDbClient dynamo, String logicalId, String name) {
        try {
            tables.create(dynamo, logicalId, name);
        } catch (ResourceInUseException e) {
            // an existing emulator already has it: reuse it
        }
    }

    private static String first(Map<String, String> env, String... names) {
        for (String name : names) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return null;
    }
}
