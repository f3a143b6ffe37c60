package dev.loresmith.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.loresmith.Json;
import dev.loresmith.generate.GenerateSettings;
import dev.loresmith.handler.ApiHandler;
import dev.loresmith.handler.Env;
import dev.loresmith.handler.ResetHandler;
import dev.loresmith.handler.Services;
import dev.loresmith.handler.SqsGenerateHandler;
import dev.loresmith.llm.AnthropicClient;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.metrics.GenerationMetrics;
import dev.loresmith.testing.Template;
import dev.loresmith.testing.TemplateTables;
import dev.loresmith.testing.TestAws;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * Loresmith on one machine, with only a JDK: DynamoDB Local in-process (or the emulator named by
 * {@code AWS_ENDPOINT_URL}), both tables created from template.yaml, and the Lambda handlers themselves
 * behind local stand-ins — an HTTP server for API Gateway, an in-process queue for SQS, an in-process
 * timer for EventBridge Scheduler. Lives in test scope: none of it is in the Lambda package.
 *
 * <pre>
 *   (no arguments) | demo        request one item of each content type, print them, exit 0
 *   serve [--port N]              serve the HTTP API until interrupted
 *   invoke FUNCTION EVENT_FILE    run one function on one event, like `sam local invoke`
 * </pre>
 */
public final class LocalRunner implements AutoCloseable {

    public static final String CONTENT_TABLE = "loresmith-content";
    public static final String CIRCUIT_TABLE = "loresmith-circuit";
    static final int DEFAULT_PORT = 3000;

    private final Map<String, String> env;
    private final String dynamoDescription;
    private final Services services;
    private final InProcessQueue queue;
    private final InProcessScheduler scheduler;
    private final Path logFile;
    private final PrintStream logStream;
    private HttpServer server;

    private LocalRunner(Map<String, String> systemEnv) {
        Template template = Template.load();
        String external = first(systemEnv, "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL");
        URI endpoint = external != null ? URI.create(external) : TestAws.startDynamoDbLocal();
        dynamoDescription = external != null ? "existing endpoint " + external + " (AWS_ENDPOINT_URL)"
                : "embedded DynamoDB Local, in memory, at " + endpoint;
        Region region = Region.of(systemEnv.getOrDefault("AWS_REGION", "us-east-1"));
        DynamoDbClient dynamo = DynamoDbClient.builder().endpointOverride(endpoint).region(region)
                .credentialsProvider(TestAws.CREDENTIALS).httpClient(UrlConnectionHttpClient.create()).build();
        TemplateTables tables = new TemplateTables(template);
        createIfMissing(tables, dynamo, "ContentTable", CONTENT_TABLE);
        createIfMissing(tables, dynamo, "CircuitTable", CIRCUIT_TABLE);

        env = new HashMap<>();
        env.put("AWS_REGION", region.id());
        env.put("CONTENT_TABLE", CONTENT_TABLE);
        env.put("CIRCUIT_TABLE", CIRCUIT_TABLE);
        env.put("MODEL_ID", systemEnv.getOrDefault("MODEL_ID", GenerateSettings.DEFAULT_MODEL));
        env.put("MAX_TOKENS", systemEnv.getOrDefault("MAX_TOKENS", "1024"));
        env.put("ANTHROPIC_BASE_URL", systemEnv.getOrDefault("ANTHROPIC_BASE_URL", AnthropicClient.DEFAULT_BASE_URL));
        env.put("ANTHROPIC_API_KEY", systemEnv.getOrDefault("ANTHROPIC_API_KEY", ""));

        try {
            logFile = Files.createTempFile("loresmith-local-", ".log");
            logStream = new PrintStream(Files.newOutputStream(logFile), true, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Clock clock = Clock.systemUTC();
        StructuredLog log = StructuredLog.to(logStream, clock);
        Services[] self = new Services[1];
        queue = new InProcessQueue(() -> new SqsGenerateHandler(self[0]), template.functionTimeout("GenerateFunction"));
        scheduler = new InProcessScheduler(() -> new ResetHandler(self[0]), clock, log);
        services = Services.builder(new Env(env)).dynamo(dynamo).queue(queue).resets(scheduler).clock(clock).log(log)
                .metrics(GenerationMetrics.to(GenerationMetrics.NAMESPACE, logStream, clock)).build();
        self[0] = services;
    }

    /** Starts everything but the HTTP server. */
    public static LocalRunner start(Map<String, String> systemEnv) {
        return new LocalRunner(systemEnv);
    }

    /** Serves the HTTP API on localhost:{@code port} (0 = any free port). */
    public LocalRunner serve(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/", new HttpApiAdapter(new ApiHandler(services), Template.load().functionTimeout("ApiFunction")));
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

    public Services services() {
        return services;
    }

    /** Waits until every queued request has been generated (or fallen back). */
    public void awaitQueueIdle() {
        queue.awaitIdle();
    }

    public boolean hasApiKey() {
        return !env.get("ANTHROPIC_API_KEY").isBlank();
    }

    void printBanner(PrintStream out) {
        out.println("Loresmith is running locally.");
        out.println("  DynamoDB:  " + dynamoDescription);
        out.println("  tables:    " + CONTENT_TABLE + ", " + CIRCUIT_TABLE + " (from template.yaml)");
        if (server != null) {
            out.println("  HTTP API:  " + baseUrl() + "  (the Lambda ApiHandler; no IAM auth locally)");
        }
        out.println("  queue:     in-process, delivering to the Lambda SqsGenerateHandler");
        out.println("  resets:    in-process timer, invoking the Lambda ResetHandler");
        if (hasApiKey()) {
            out.println("  Anthropic: " + env.get("ANTHROPIC_BASE_URL") + ", model " + env.get("MODEL_ID"));
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
    }

    /** Requests one item of each content type over the HTTP API, waits for them, and prints them. */
    List<JsonNode> demo(PrintStream out) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        Map<String, String> contexts = new LinkedHashMap<>();
        contexts.put("quest_description", "{\"questName\":\"The Drowned Bell\",\"giver\":{\"name\":\"Old Mara\",\"village\":\"Saltmere\"}}");
        contexts.put("event_consequence", "\"The river dam at Holloway broke during the night.\"");
        for (String type : services.types().names()) {
            String body = "{\"contentType\":\"" + type + "\",\"contentId\":1"
                    + (contexts.containsKey(type) ? ",\"context\":" + contexts.get(type) : "") + "}";
            HttpResponse<String> posted = http.send(HttpRequest.newBuilder(baseUrl().resolve("/content"))
                    .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            out.println("POST /content " + type + " -> " + posted.statusCode());
        }
        awaitQueueIdle();
        List<JsonNode> items = new java.util.ArrayList<>();
        for (String type : services.types().names()) {
            HttpResponse<String> got = http.send(HttpRequest.newBuilder(baseUrl().resolve("/content/" + type + "/1")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode item = Json.read(got.body());
            items.add(item);
            out.println();
            out.println("GET /content/" + type + "/1 -> " + got.statusCode() + "  status=" + item.path("status").asText()
                    + "  model=" + item.path("model").asText());
            out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(Json.read(item.path("text").asText("null"))));
        }
        return items;
    }

    /** Runs one function on one event file, like {@code sam local invoke FUNCTION -e FILE}; returns its output. */
    String invoke(String function, Path eventFile) throws Exception {
        Template template = Template.load();
        Class<?> type = Class.forName(template.handlerClass(function));
        Object handler = type.getConstructor(Services.class).newInstance(services);
        LocalContext context = new LocalContext(function, template.functionTimeout(function));
        byte[] input = Files.readAllBytes(eventFile);
        if (handler instanceof RequestStreamHandler stream) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            stream.handleRequest(new ByteArrayInputStream(input), out, context);
            return out.toString(StandardCharsets.UTF_8);
        }
        Object event = handler instanceof ApiHandler
                ? EventLoader.loadApiGatewayHttpEvent(eventFile.toString())
                : EventLoader.loadSQSEvent(eventFile.toString());
        @SuppressWarnings("unchecked")
        RequestHandler<Object, Object> typed = (RequestHandler<Object, Object>) handler;
        Object result = typed.handleRequest(event instanceof APIGatewayV2HTTPEvent || event instanceof SQSEvent ? event : null, context);
        awaitQueueIdle();
        return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(result);
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
        queue.close();
        scheduler.close();
        logStream.close();
    }

    public static void main(String[] args) throws Exception {
        List<String> arguments = List.of(args);
        String mode = arguments.isEmpty() ? "demo" : arguments.get(0);
        int code;
        switch (mode) {
            case "demo" -> code = runDemo();
            case "serve" -> code = runServe(port(arguments));
            case "invoke" -> code = runInvoke(arguments);
            default -> {
                System.err.println("usage: (no arguments) | demo | serve [--port N] | invoke FUNCTION EVENT_FILE");
                code = 2;
            }
        }
        if (code != Integer.MIN_VALUE) {
            System.exit(code);
        }
    }

    private static int runDemo() throws Exception {
        try (LocalRunner runner = start(System.getenv()).serve(0)) {
            runner.printBanner(System.out);
            System.out.println();
            runner.demo(System.out);
            System.out.println();
            System.out.println(runner.hasApiKey() ? "Demo done." : "Demo done: fallbacks (reason no_config), because ANTHROPIC_API_KEY is not set.");
            System.out.println("To keep the API up: mvn -q -f function test-compile exec:java@local -Dexec.args=serve");
            return 0;
        }
    }

    private static int runServe(int port) throws IOException {
        LocalRunner runner = start(System.getenv()).serve(port);
        Runtime.getRuntime().addShutdownHook(new Thread(runner::close));
        runner.printBanner(System.out);
        runner.printCurls(System.out);
        System.out.println();
        System.out.println("Ctrl-C to stop.");
        return Integer.MIN_VALUE; // keep serving
    }

    private static int runInvoke(List<String> arguments) throws Exception {
        if (arguments.size() != 3) {
            System.err.println("usage: invoke FUNCTION EVENT_FILE   e.g. invoke GenerateFunction events/sqs-batch.json");
            return 2;
        }
        Path event = Path.of(arguments.get(2));
        if (!Files.isRegularFile(event) && Files.isRegularFile(Template.repositoryRoot().resolve(arguments.get(2)))) {
            event = Template.repositoryRoot().resolve(arguments.get(2));
        }
        try (LocalRunner runner = start(System.getenv())) {
            runner.printBanner(System.err);
            System.out.println(runner.invoke(arguments.get(1), event));
            return 0;
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
