package dev.loresmith.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.loresmith.Json;
import dev.loresmith.content.ContentId;
import dev.loresmith.content.ContentKey;
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
import dev.loresmith.item.Claim.Kind;
import dev.loresmith.llm.Provider;
import dev.loresmith.log.ErrorSummary;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.metrics.GenerationMetrics;
import dev.loresmith.retry.Pause;
import dev.loresmith.storage.StackSettings;
import dev.loresmith.testing.Handlers;
import dev.loresmith.testing.LambdaEvents;
import dev.loresmith.testing.MutableClock;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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

/**
 * Loresmith on one machine, with only a JDK: DynamoDB Local in-process (or the emulator named by
 * {@code AWS_ENDPOINT_URL}), both tables created from template.yaml, and the Lambda handlers themselves
 * behind local stand-ins — an HTTP server for API Gateway, an in-process queue for SQS (with its redrive to
 * the dead-letter handler), a clock-driven timer for EventBridge Scheduler, a reader of DynamoDB Local's
 * streams for the stream mappings, and a printing event bus. Lives in test scope: none of it is in the
 * Lambda package.
 *
 * <pre>
 *   (no arguments) | demo        request one item of each content type, print them, exit 0
 *   outage                        script an outage with a built-in fake API: circuit opens, resets, fallbacks upgraded
 *   serve [--port N]              serve the HTTP API until interrupted
 *   invoke FUNCTION EVENT_FILE    run one function on one event, like `sam local invoke`
 * </pre>
 * Any failure prints one line to stderr (the stack trace goes to the log file) and exits 1; usage errors exit 2.
 */
public final class LocalRunner implements AutoCloseable {

    public static final String CONTENT_TABLE = "loresmith-content";
    public static final String CIRCUIT_TABLE = "loresmith-circuit";
    static final int DEFAULT_PORT = 3000;
    static final String USAGE = "usage: (no arguments) | demo | outage | serve [--port N] | invoke FUNCTION EVENT_FILE";

    private final Map<String, String> env;
    private final String dynamoDescription;
    private final TestOutside outside;
    private final Wiring.Tables tables;
    private final ContentTypes types = ContentTypes.bundled();
    private final InProcessQueue queue;
    private final InProcessScheduler scheduler;
    private final LocalBus bus;
    private final TableStreams streams;
    private final Path logFile;
    private final PrintStream logStream;
    private final ScheduledExecutorService ticker;
    /** The clockwork tick() started (kept so its futures are not ignored; close() stops the ticker). */
    private final List<ScheduledFuture<?>> ticking = new CopyOnWriteArrayList<>();
    private HttpServer server;

    private LocalRunner(Map<String, String> systemEnv, Clock clock, PrintStream events, Path logFile) {
        this.logFile = logFile;
        try {
            logStream = new PrintStream(Files.newOutputStream(logFile), true, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Template template = Template.load();
        String external = first(systemEnv, "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL");
        URI endpoint = external != null ? URI.create(external) : TestAws.startDynamoDbLocal();
        dynamoDescription = external != null ? "existing endpoint " + external + " (AWS_ENDPOINT_URL)"
                : "embedded DynamoDB Local, in memory, at " + endpoint;
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
        bus = new LocalBus(events, () -> sweep("circuit event"));
        AwsOutside aws = new AwsOutside(new Env(env));
        outside = new TestOutside().env(env).dynamo(dynamo).queue(queue).resets(scheduler).events(bus).clock(clock).log(log)
                .backoff(Pause.REAL).waits(Pause.REAL).transport(Provider.ANTHROPIC, () -> aws.transport(Provider.ANTHROPIC))
                .metrics(GenerationMetrics.to(GenerationMetrics.NAMESPACE, logStream, clock));
        self[0] = outside;
        tables = Wiring.tables(outside);
        // What the stack's custom resource does on deploy: the template's settings, from this environment.
        tables.circuits().writeStackSettings(new StackSettings(
                systemEnv.getOrDefault("MODEL_ID", template.parameterDefault("ModelId")),
                Integer.parseInt(systemEnv.getOrDefault("MAX_TOKENS", template.parameterDefault("MaxTokens"))),
                systemEnv.getOrDefault("ANTHROPIC_BASE_URL", template.parameterDefault("AnthropicBaseUrl")),
                Long.parseLong(systemEnv.getOrDefault("DAILY_TOKEN_BUDGET", template.parameterDefault("DailyTokenBudget")))));
        DynamoDbStreamsClient streamsClient = DynamoDbStreamsClient.builder().endpointOverride(endpoint).region(region)
                .credentialsProvider(TestAws.CREDENTIALS).httpClient(UrlConnectionHttpClient.create()).build();
        streams = new TableStreams(dynamo, streamsClient, new StreamEventsHandler(Wiring.streamEvents(outside)), List.of(CONTENT_TABLE, CIRCUIT_TABLE)).fromNow();
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "local-ticker");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts everything but the HTTP server; the clock is the system's. Events print to {@code events}. */
    public static LocalRunner start(Map<String, String> systemEnv, PrintStream events) {
        return start(systemEnv, Clock.systemUTC(), events);
    }

    static LocalRunner start(Map<String, String> systemEnv, Clock clock, PrintStream events) {
        try {
            return new LocalRunner(systemEnv, clock, events, Files.createTempFile("loresmith-local-", ".log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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

    /** Serves the HTTP API on localhost:{@code port} (0 = any free port), routed as the template routes it. */
    public LocalRunner serve(int port) throws IOException {
        int timeout = Template.load().functionTimeout("ApiFunction");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/content", new HttpApiAdapter(new ApiHandler(Wiring.api(outside))::handleRequest, "ApiFunction", timeout));
        server.createContext("/circuit", new HttpApiAdapter(new CircuitAdminHandler(Wiring.circuitAdmin(outside))::handleRequest, "CircuitFunction",
                Template.load().functionTimeout("CircuitFunction")));
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
            out.println("  HTTP API:  " + baseUrl() + "  (the Lambda ApiHandler and CircuitAdminHandler; no IAM auth locally)");
        }
        out.println("  queue:     in-process, delivering to the Lambda SqsGenerateHandler (dead letters to DeadLetterHandler)");
        out.println("  resets:    in-process timer, invoking the Lambda ResetHandler");
        out.println("  events:    DynamoDB Local's streams through the Lambda StreamEventsHandler, printed as they are published");
        if (hasApiKey()) {
            out.println("  Anthropic: " + tables.circuits().read().baseUrl("?") + ", model " + tables.circuits().read().model(Provider.ANTHROPIC, "?"));
        } else {
            out.println("  Anthropic: ANTHROPIC_API_KEY is not set, so every request falls back with reason no_config");
            out.println("             (deterministic fallback text, no API call). Set it to generate real text.");
        }
        out.println("  logs:      " + logFile);
    }

    void printCurls(PrintStream out) {
        out.println();
        out.println("Try:");
        out.println("  curl -si -X POST " + baseUrl() + "/content -H 'content-type: application/json' \\");
        out.println("       -d '{\"contentType\":\"quest_description\",\"contentId\":42,\"context\":{\"questName\":\"The Drowned Bell\"}}'");
        out.println("  curl -s " + baseUrl() + "/content/quest_description/42");
        out.println("  curl -s " + baseUrl() + "/circuit");
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
        List<JsonNode> items = new ArrayList<>();
        for (String type : types.names()) {
            HttpResponse<String> got = http.send(HttpRequest.newBuilder(baseUrl().resolve("/content/" + type + "/1")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode item = Json.read(got.body());
            items.add(item);
            out.println();
            out.println("GET /content/" + type + "/1 -> " + got.statusCode() + "  status=" + item.path("status").asText()
                    + "  model=" + item.path("model").asText());
            out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(item.path("content")));
        }
        return items;
    }

    /**
     * Runs one function on one event file, like {@code sam local invoke FUNCTION -e FILE}; returns its output — for a
     * CloudFormation custom resource event, the answer CloudFormation would receive at its ResponseURL (stood in for).
     */
    String invoke(String function, Path eventFile) throws Exception {
        Template template = Template.load();
        Class<?> type = Class.forName(template.handlerClass(function), true, LocalRunner.class.getClassLoader());
        Object handler = Handlers.build(type, outside);
        LocalContext context = new LocalContext(function, template.functionTimeout(function));
        byte[] input = Files.readAllBytes(eventFile);
        String output;
        JsonNode parsed = parseOrNull(input);
        if (handler instanceof RequestStreamHandler stream && parsed != null && parsed.has("ResponseURL") && parsed.has("RequestType")) {
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

    private static JsonNode parseOrNull(byte[] input) {
        try {
            JsonNode node = Json.read(new String(input, StandardCharsets.UTF_8));
            return node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
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

    /**
     * A scripted outage against a built-in fake Messages API whose first calls fail, on a clock the script moves:
     * the circuit opens, requests are served their fallbacks at once, the scheduled reset half-opens it, an upgrade
     * probes and closes it, and every fallen-back item is upgraded — each step printed with the events it caused.
     */
    static List<JsonNode> outage(PrintStream out, Map<String, String> systemEnv) throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        try (ScriptedAnthropic api = new ScriptedAnthropic(3)) {
            Map<String, String> env = new HashMap<>(systemEnv);
            env.put("ANTHROPIC_API_KEY", "local-outage-demo-key");
            env.put("ANTHROPIC_BASE_URL", api.baseUrl().toString());
            try (LocalRunner runner = start(env, clock, out)) {
                out.println("Outage demo: a built-in fake Messages API fails its first 3 calls, then recovers. Time is compressed.");
                out.println("  logs: " + runner.logFile);
                out.println();
                out.println("1. Six requests while the API fails:");
                List<String> keys = new ArrayList<>();
                int id = 100;
                for (String type : runner.types.names()) {
                    for (int i = 0; i < 3; i++) {
                        id++;
                        // one at a time, so the story is the same on every run
                        runner.queue.send("{\"contentType\":\"" + type + "\",\"contentId\":" + id + "}", Kind.REQUEST, clock.instant());
                        runner.awaitQueueIdle();
                        keys.add(type + "/" + id);
                    }
                }
                runner.drainStreams();
                runner.printItems(out, keys);
                out.println();
                out.println("2. Five minutes pass (compressed): the scheduled reset half-opens the circuit; the upgrade sweep");
                out.println("   sends one upgrade, which probes and closes it; the next sweep upgrades the rest.");
                clock.advance(Duration.ofMinutes(5).plusSeconds(1));
                runner.scheduler.fireDue();
                for (int round = 0; round < 10 && !runner.allReady(keys); round++) {
                    runner.drainStreams(); // circuit events trigger sweeps, as the bus rule does
                    runner.awaitQueueIdle();
                    clock.advance(Duration.ofSeconds(1));
                }
                runner.drainStreams();
                out.println();
                out.println("3. After the recovery:");
                List<JsonNode> items = runner.printItems(out, keys);
                out.println();
                out.println(runner.allReady(keys)
                        ? "Outage demo done: every fallback was replaced by generated text, with no request sent twice (" + api.calls() + " API calls)."
                        : "Outage demo ended with items still holding fallbacks: see " + runner.logFile);
                return items;
            }
        }
    }

    private boolean allReady(List<String> keys) {
        return keys.stream().allMatch(k -> "ready".equals(item(k).path("status").asText()));
    }

    private JsonNode item(String key) {
        String[] parts = key.split("/", -1);
        return tables.contents().find(new ContentKey(parts[0], ContentId.parse(parts[1])))
                .<JsonNode>map(i -> Json.MAPPER.createObjectNode().put("key", key).put("status", i.status().wireName())
                        .put("model", i.model()).put("text", i.text()).put("upgradedFrom", i.upgradedFrom()))
                .orElse(Json.MAPPER.createObjectNode().put("key", key).put("status", "absent"));
    }

    private List<JsonNode> printItems(PrintStream out, List<String> keys) {
        List<JsonNode> items = new ArrayList<>();
        for (String key : keys) {
            JsonNode item = item(key);
            items.add(item);
            out.println("  " + key + "  " + item.path("status").asText() + "  " + item.path("model").asText()
                    + (item.path("upgradedFrom").isTextual() ? "  (upgraded from " + item.path("upgradedFrom").asText() + ")" : ""));
        }
        return items;
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        if (server != null) {
            server.stop(0);
        }
        queue.close();
        logStream.close();
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * The command line, returning the exit code: 0 done, 1 failed (one line on {@code err}, the stack trace in
     * the log file), 2 usage. {@code serve} returns only if it fails to start.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> arguments = List.of(args);
        String mode = arguments.isEmpty() ? "demo" : arguments.get(0);
        try {
            return switch (mode) {
                case "demo" -> runDemo(out);
                case "outage" -> {
                    outage(out, System.getenv());
                    yield 0;
                }
                case "serve" -> runServe(port(arguments), out);
                case "invoke" -> runInvoke(arguments, out, err);
                default -> {
                    err.println(USAGE);
                    yield 2;
                }
            };
        } catch (Throwable e) {
            Path trace = crashLog(e);
            err.println("loresmith local " + mode + " failed: " + describe(e));
            err.println("  stack trace: " + trace);
            return 1;
        }
    }

    private static int runDemo(PrintStream out) throws Exception {
        try (LocalRunner runner = start(System.getenv(), out).serve(0).tick()) {
            runner.printBanner(out);
            out.println();
            runner.demo(out);
            runner.drainStreams();
            out.println();
            out.println(runner.hasApiKey() ? "Demo done." : "Demo done: fallbacks (reason no_config), because ANTHROPIC_API_KEY is not set.");
            out.println("To keep the API up: mvn -q -f function test-compile exec:java@local -Dexec.args=serve");
            out.println("To see an outage and its recovery: mvn -q -f function test-compile exec:java@local -Dexec.args=outage");
            return 0;
        }
    }

    private static int runServe(int port, PrintStream out) throws IOException, InterruptedException {
        LocalRunner runner = start(System.getenv(), out).serve(port).tick();
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

    private static int runInvoke(List<String> arguments, PrintStream out, PrintStream err) throws Exception {
        if (arguments.size() != 3) {
            err.println("usage: invoke FUNCTION EVENT_FILE   e.g. invoke GenerateFunction events/sqs-batch.json");
            return 2;
        }
        Path event = Path.of(arguments.get(2));
        if (!Files.isRegularFile(event) && Files.isRegularFile(Template.repositoryRoot().resolve(arguments.get(2)))) {
            event = Template.repositoryRoot().resolve(arguments.get(2));
        }
        if (!Files.isRegularFile(event)) {
            err.println("no event file " + arguments.get(2) + " (looked here and in " + Template.repositoryRoot() + ")");
            return 2;
        }
        Set<String> functions = Template.load().resources("AWS::Serverless::Function").keySet();
        if (!functions.contains(arguments.get(1))) {
            err.println("template.yaml has no function " + arguments.get(1) + "; functions: " + functions);
            return 2;
        }
        try (LocalRunner runner = start(System.getenv(), err)) {
            runner.printBanner(err);
            out.println(runner.invoke(arguments.get(1), event));
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

    private static Path crashLog(Throwable e) {
        try {
            Path file = Files.createTempFile("loresmith-local-failure-", ".log");
            try (PrintStream trace = new PrintStream(Files.newOutputStream(file), true, StandardCharsets.UTF_8)) {
                e.printStackTrace(trace);
            }
            return file;
        } catch (IOException io) {
            return Path.of("(not written)");
        }
    }

    private static int port(List<String> arguments) {
        int index = arguments.indexOf("--port");
        String value = index >= 0 && index + 1 < arguments.size() ? arguments.get(index + 1) : System.getenv("LORESMITH_PORT");
        if (value == null || value.isBlank()) {
            return DEFAULT_PORT;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port must be a number, got '" + value + "'");
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
