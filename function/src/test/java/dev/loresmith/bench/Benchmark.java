package dev.loresmith.bench;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.Json;
import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitState;
import dev.loresmith.handler.AwsOutside;
import dev.loresmith.handler.Env;
import dev.loresmith.handler.SqsGenerateHandler;
import dev.loresmith.handler.Wiring.Tables;
import dev.loresmith.handler.Wiring;
import dev.loresmith.llm.BedrockTransport;
import dev.loresmith.llm.Provider;
import dev.loresmith.llm.Transport;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.metrics.GenerationMetrics;
import dev.loresmith.retry.Pause;
import dev.loresmith.storage.CircuitTable;
import dev.loresmith.storage.ContentTable;
import dev.loresmith.storage.ProviderConfig;
import dev.loresmith.testing.Circuits;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FakeBedrock;
import dev.loresmith.testing.FakeContext;
import dev.loresmith.testing.LogCapture;
import dev.loresmith.testing.RecordedRequests;
import dev.loresmith.testing.RecordingQueue;
import dev.loresmith.testing.Template;
import dev.loresmith.testing.TemplateTables;
import dev.loresmith.testing.TestAws;
import dev.loresmith.testing.TestJson;
import dev.loresmith.testing.TestOutside;
import dev.loresmith.testing.Transports;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Loresmith's performance figures (README, "Benchmark"; results in docs/PERFORMANCE.md): cold start, batch parallelism and
 * warm overhead each beside a baseline measured in the same run; DynamoDB requests per path and the package size against
 * their targets (they have no baseline). Run from the repository root:
 * {@code mvn -q -f function package -DskipTests dependency:build-classpath@runtime-classpath exec:java@bench}
 */
public final class Benchmark {

    static final String ANY_TYPE_JSON = "{\"title\":\"The Drowned Bell\",\"description\":\"Dive for the bell.\"}";
    static final AtomicLong IDS = new AtomicLong(System.currentTimeMillis());

    private final URI dynamoEndpoint;
    private final FakeAnthropic anthropic = new FakeAnthropic();
    private final FakeBedrock bedrock = new FakeBedrock();
    private final String contentTable = "bench-content";
    private final String circuitTable = "bench-circuit";
    private final int coldRuns;

    Benchmark(int coldRuns) {
        this.coldRuns = coldRuns;
        dynamoEndpoint = TestAws.dynamoEndpoint();
        TemplateTables tables = new TemplateTables(Template.load());
        tables.create(TestAws.dynamo(), "ContentTable", contentTable);
        tables.create(TestAws.dynamo(), "CircuitTable", circuitTable);
    }

    public static void main(String[] args) throws Exception {
        try {
            run(args.length > 0 ? Integer.parseInt(args[0]) : 5);
            System.exit(0);
        } catch (Throwable e) {
            e.printStackTrace(System.out);
            System.exit(1); // DynamoDB Local's threads would otherwise keep the JVM alive
        }
    }

    /** One section of the output: its number (docs/PERFORMANCE.md's), its heading, and what it measures and prints. */
    record Section(int number, String heading, Measure measure) {
    }

    @FunctionalInterface
    interface Measure {
        void run(Benchmark bench) throws Exception;
    }

    /** The sections, in the order they run and print, numbered as docs/PERFORMANCE.md numbers them. */
    static final List<Section> SECTIONS = List.of(
            new Section(1, "Cold start: fresh JVM, runtime interface client, local Runtime API, until the first batch is answered",
                    Benchmark::coldStart),
            new Section(2, "DynamoDB requests per generation (SDK ExecutionInterceptor)  target: happy path <= 3, <= 2 before the API call;",
                    Benchmark::roundTrips),
            new Section(3, "Batch of 10 messages, fake API answering in 1 s  target: <= 1.5 s (sequential: ~10 s)", Benchmark::batchParallelism),
            new Section(4, "Warm overhead per message beyond the API call (fake API answers at once), 1-message batches", Benchmark::warmOverhead),
            new Section(5, "Package: the deployment package (function classes + runtime jars, as sam build uploads them)  target: <= 15 MB",
                    Benchmark::packageSize));

    private static void run(int coldRuns) throws Exception {
        Benchmark bench = new Benchmark(coldRuns);
        System.out.printf("Loresmith benchmark — %s, %d cores, java %s%n%n", System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        for (Section section : SECTIONS) {
            System.out.println(section.number() + ". " + section.heading());
            section.measure().run(bench);
        }
        bench.anthropic.close();
    }

    /** Where the benchmark's own files go while it runs (deleted after use): function/target/bench, not the temporary directory. */
    private static Path scratch() throws IOException {
        return Files.createDirectories(moduleDir().resolve("target").resolve("bench"));
    }

    // ------------------------------------------------------------------ 2. DynamoDB round trips

    void roundTrips() {
        System.out.println("   with a token budget, one more (an atomic add after the call)");
        row("path", "requests", "before call", "kinds");
        anthropic.repliesForEachType();
        count("success", true, rig -> rig.generate(IDS.incrementAndGet()));
        count("success, with a daily token budget", true, rig -> {
            rig.budget(1_000_000_000L);
            rig.generate(IDS.incrementAndGet()); // starts the day's counter
            rig.recorded.clear();
            rig.generate(IDS.incrementAndGet());
            rig.freeze();
            rig.noBudget();
        });
        anthropic.failsWith(500);
        count("fallback, counted failure", true, rig -> rig.generate(IDS.incrementAndGet()));
        anthropic.failsWith(429);
        count("fallback, rate limited (sets the shared throttle)", true, rig -> rig.generate(IDS.incrementAndGet()));
        count("fallback, held back by the shared throttle", false, rig -> {
            rig.circuits.throttleUntil(Provider.ANTHROPIC, Instant.now().plusSeconds(60), "rate_limited", ProviderConfig.implausibleThrottleAfter(Instant.now()));
            rig.recorded.clear();
            rig.generate(IDS.incrementAndGet());
            rig.freeze();
            rig.clearThrottle();
        });
        count("fallback, open circuit", false, rig -> {
            rig.whileAnthropicOpen(() -> rig.generate(IDS.incrementAndGet()));
        });
        anthropic.repliesForEachType();
        count("duplicate of a ready item", true, rig -> {
            long id = IDS.incrementAndGet();
            rig.generate(id);
            rig.recorded.clear();
            rig.generate(id);
        });
        System.out.println("   two providers (Providers=anthropic,bedrock); the target holds with any number of providers");
        bedrock.repliesForEachType();
        count("two providers, the first answers", true, rig -> {
            rig.providers("anthropic,bedrock");
            rig.generate(IDS.incrementAndGet());
        });
        anthropic.failsWith(500);
        count("failover: the first fails mid-request (500)", true, rig -> {
            rig.providers("anthropic,bedrock");
            rig.generate(IDS.incrementAndGet());
        });
        anthropic.failsWith(429);
        count("failover: the first answers 429 (its throttle set)", true, rig -> {
            rig.providers("anthropic,bedrock");
            rig.generate(IDS.incrementAndGet());
            rig.freeze();
            rig.clearThrottle();
        });
        anthropic.repliesForEachType();
        count("failover: the first's circuit is open", true, rig -> {
            rig.providers("anthropic,bedrock");
            rig.whileAnthropicOpen(() -> rig.generate(IDS.incrementAndGet()));
        });
        anthropic.failsWith(500);
        bedrock.failsWith(503, "ServiceUnavailableException");
        count("fallback: both fail", true, rig -> {
            rig.providers("anthropic,bedrock");
            rig.generate(IDS.incrementAndGet());
        });
        anthropic.repliesForEachType();
        bedrock.repliesForEachType();
        System.out.println();
        latencies();
    }

    /**
     * Each path's latency beside the one-provider success it is compared with: the fakes answer at once, so this is what
     * the flow adds — a failed first call and a second plan, call and judgement — not a provider's own time. A failover
     * in production adds the failed call's own latency on top (up to the call timeout).
     */
    private void latencies() {
        System.out.println("   latency p50 / p99 over " + LATENCY_RUNS + " generations, fakes answering at once (the baseline runs first"
                + " and last: the JIT warms up as the paths run)");
        latency("one provider, success (baseline)", "anthropic", () -> { });
        latency("two providers, the first answers", "anthropic,bedrock", () -> { });
        latency("failover: the first fails mid-request (500)", "anthropic,bedrock", () -> anthropic.failsWith(500));
        latency("failover: the first's circuit is open", "anthropic,bedrock", () -> {
            anthropic.repliesForEachType();
            Rig rig = new Rig(Duration.ZERO);
            CircuitRecord closed = rig.circuits.circuit(Provider.ANTHROPIC);
            rig.circuits.replace(Provider.ANTHROPIC, closed, Circuits.open(Instant.now(), closed.generation() + 1, closed.version() + 1));
        });
        Rig rig = new Rig(Duration.ZERO);
        CircuitRecord open = rig.circuits.circuit(Provider.ANTHROPIC);
        rig.circuits.replace(Provider.ANTHROPIC, open, Circuits.closed(List.of(), open.generation(), open.version() + 1));
        anthropic.repliesForEachType();
        latency("one provider, success (baseline, again)", "anthropic", () -> { });
        System.out.println();
    }

    static final int LATENCY_RUNS = 300;

    private void latency(String path, String providers, Runnable setUp) {
        Rig rig = new Rig(Duration.ZERO);
        rig.providers(providers);
        rig.clearThrottle();
        setUp.run();
        for (int i = 0; i < 200; i++) {
            rig.generate(IDS.incrementAndGet()); // warm; with a failing first provider these also open its circuit...
            rig.resetCircuit(Provider.ANTHROPIC); // ...which this path must not see
        }
        long[] took = new long[LATENCY_RUNS];
        for (int i = 0; i < LATENCY_RUNS; i++) {
            long t = System.nanoTime();
            rig.generate(IDS.incrementAndGet());
            took[i] = System.nanoTime() - t;
            rig.resetCircuit(Provider.ANTHROPIC);
        }
        long fallbacks = rig.emf.lines().stream().map(TestJson::parse).filter(d -> d.has("Outcome"))
                .filter(d -> !d.path("Outcome").asText().equals("ready")).count();
        if (fallbacks > 0) {
            throw new IllegalStateException(path + ": " + fallbacks + " of the generations fell back - the path's set-up is wrong");
        }
        Arrays.sort(took);
        row(path, ms(took[LATENCY_RUNS / 2]) + " / " + ms(took[LATENCY_RUNS * 99 / 100]), "", "");
        rig.providers("anthropic");
    }

    /**
     * One path's DynamoDB requests. {@code calls}: whether the path calls a model — checked, so a scenario whose set-up
     * went wrong (a fallback where a call was meant) fails the benchmark instead of printing a figure of another path.
     */
    private void count(String path, boolean calls, Consumer<Rig> scenario) {
        Rig rig = new Rig(Duration.ZERO);
        rig.clearThrottle();
        rig.recorded.clear();
        rig.beforeCall = -1;
        scenario.accept(rig);
        if ((rig.beforeCall >= 0) != calls) {
            throw new IllegalStateException(path + ": expected " + (calls ? "a model call" : "no model call") + ", got "
                    + (calls ? "none" : "one") + " - the scenario's set-up is wrong");
        }
        List<String> kinds = rig.counted().stream().map(r -> r.getClass().getSimpleName().replace("Request", "")).toList();
        int before = rig.beforeCall < 0 ? kinds.size() : Math.min(rig.beforeCall, kinds.size());
        row(path, Integer.toString(kinds.size()), rig.beforeCall < 0 ? "no call" : Integer.toString(before), String.join(", ", kinds));
    }

    // ------------------------------------------------------------------ 3. batch parallelism

    void batchParallelism() {
        anthropic.repliesForEachTypeAfter(1000);
        Rig rig = new Rig(Duration.ZERO);
        rig.handle(batch(1), 45_000); // warm
        long sequential = 0;
        for (int i = 0; i < 10; i++) {
            long t = System.nanoTime();
            rig.handle(batch(1), 45_000);
            sequential += System.nanoTime() - t;
        }
        long t = System.nanoTime();
        rig.handle(batch(10), 45_000);
        long parallel = System.nanoTime() - t;
        row("10 messages, one batch (parallel)", ms(parallel), "", "");
        row("10 messages, one at a time (baseline)", ms(sequential), "", "");

        anthropic.repliesForEachTypeAfter(60_000);
        t = System.nanoTime();
        int remaining = 6_000;
        int failures = rig.handle(batch(10), remaining);
        long hung = System.nanoTime() - t;
        row("10 messages, API hangs 60 s, 6 s left", ms(hung), "", "returned before the deadline: "
                + (hung < TimeUnit.MILLISECONDS.toNanos(remaining)) + ", retried: " + failures);
        anthropic.reset();
        System.out.println();
    }

    // ------------------------------------------------------------------ 4. warm overhead

    void warmOverhead() {
        anthropic.repliesForEachType();
        Rig rig = new Rig(Duration.ZERO);
        for (int i = 0; i < 300; i++) {
            rig.handle(batch(1), 45_000);
        }
        rig.emf.lines(); // discard warm-up documents
        int n = 1000;
        long[] overhead = new long[n];
        long[] call = new long[n];
        int offset = rig.emf.lines().size();
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            rig.handle(batch(1), 45_000);
            long total = System.nanoTime() - t;
            JsonNode doc = TestJson.parse(rig.emf.lines().get(offset + i));
            call[i] = TimeUnit.MILLISECONDS.toNanos(doc.path("ApiLatency").asLong());
            overhead[i] = Math.max(0, total - call[i]);
        }
        Arrays.sort(overhead);
        Arrays.sort(call);
        row("Loresmith overhead p50 / p99", ms(overhead[n / 2]) + " / " + ms(overhead[n * 99 / 100]), "", "");
        row("API call itself p50 / p99 (baseline)", ms(call[n / 2]) + " / " + ms(call[n * 99 / 100]), "", "ms resolution");
        long[] trip = new long[n];
        DynamoDbClient dynamo = TestAws.dynamo();
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            dynamo.getItem(r -> r.tableName(circuitTable).key(Map.of("provider",
                    AttributeValue.fromS("anthropic"))).consistentRead(true));
            trip[i] = System.nanoTime() - t;
        }
        Arrays.sort(trip);
        row("one DynamoDB Local GetItem p50 / p99 (baseline)", ms(trip[n / 2]) + " / " + ms(trip[n * 99 / 100]), "",
                "the overhead holds 3 such round trips");
        System.out.println();
    }

    // ------------------------------------------------------------------ 5. package size

    void packageSize() throws IOException {
        List<Path> jars = runtimeClasspath();
        long libs = 0;
        for (Path jar : jars) {
            libs += Files.size(jar);
        }
        long classes = zippedSize(Path.of("function/target/classes").toFile().isDirectory()
                ? Path.of("function/target/classes") : Path.of("target/classes"));
        row("total", mb(libs + classes), "", jars.size() + " jars + " + mb(classes) + " of our classes and resources");
        jars.stream().sorted((a, b) -> Long.compare(size(b), size(a))).limit(5)
                .forEach(j -> row("  " + j.getFileName(), mb(size(j)), "", ""));
        boolean testOnly = jars.stream().anyMatch(j -> j.toString().matches(".*(DynamoDBLocal|wiremock|junit|testcontainers|sqlite4java).*"));
        row("test-only jars in the package", testOnly ? "YES" : "none", "", "");
        System.out.println();
    }

    // ------------------------------------------------------------------ 1. cold start

    void coldStart() throws Exception {
        System.out.println("   (median of " + coldRuns + " runs; target: <= 2x the trivial handler)");
        // Lambda's java21 runtime stops tiered compilation at level 1 by default; the template no longer says so itself.
        String template = "-XX:+TieredCompilation -XX:TieredStopAtLevel=1";
        // The baseline and the handler run in turns, and the ratio is the median of each turn's: a machine whose speed
        // drifts during the runs (a shared 2-core box) moves both sides of a turn alike.
        String trivialHandler = TrivialHandler.class.getName() + "::handleRequest";
        String handler = "dev.loresmith.handler.SqsGenerateHandler::handleRequest";
        coldOnce(trivialHandler, template, null); // first runs pay the OS file cache
        coldOnce(handler, template, null);
        long[] trivialRuns = new long[coldRuns];
        long[] handlerRuns = new long[coldRuns];
        double[] ratios = new double[coldRuns];
        for (int i = 0; i < coldRuns; i++) {
            trivialRuns[i] = coldOnce(trivialHandler, template, null);
            handlerRuns[i] = coldOnce(handler, template, null);
            ratios[i] = (double) handlerRuns[i] / trivialRuns[i];
        }
        Arrays.sort(trivialRuns);
        Arrays.sort(handlerRuns);
        Arrays.sort(ratios);
        long trivial = trivialRuns[coldRuns / 2];
        long loresmith = handlerRuns[coldRuns / 2];
        row("trivial handler (baseline), " + "TieredStopAtLevel=1", ms(trivial), "1.00x", "");
        row("SqsGenerateHandler, as deployed", ms(loresmith), String.format(Locale.ROOT, "%.2fx", ratios[coldRuns / 2]),
                "claim + config read + API + write; median of the turns' ratios");
        row("lines the function wrote that are not JSON", Integer.toString(nonJsonLines.size()), "",
                nonJsonLines.isEmpty() ? "every line JSON (Lambda's JSON log format)" : "e.g. " + nonJsonLines.get(0));
        long noC1 = coldMedian("dev.loresmith.handler.SqsGenerateHandler::handleRequest", "", null);
        row("SqsGenerateHandler, default JIT", ms(noC1), ratio(noC1, trivial), "what TieredStopAtLevel=1 buys");
        long noKey = coldMedian("dev.loresmith.handler.SqsGenerateHandler::handleRequest", template, Map.of("ANTHROPIC_API_KEY", ""));
        row("SqsGenerateHandler, no API key (no_config)", ms(noKey), ratio(noKey, trivial), "no Anthropic HTTP call: its share");
        Path archive = scratch().resolve("loresmith.jsa"); // about 30 MB: deleted once measured
        Files.deleteIfExists(archive);
        try {
            coldOnce("dev.loresmith.handler.SqsGenerateHandler::handleRequest", template + " -XX:ArchiveClassesAtExit=" + archive, null);
            if (Files.exists(archive)) {
                long cds = coldMedian("dev.loresmith.handler.SqsGenerateHandler::handleRequest", template + " -XX:SharedArchiveFile=" + archive, null);
                row("SqsGenerateHandler + AppCDS archive", ms(cds), ratio(cds, trivial), "dynamic CDS archive of one run");
            } else {
                row("SqsGenerateHandler + AppCDS archive", "n/a", "", "archive not written");
            }
        } finally {
            Files.deleteIfExists(archive);
        }
        row("classes loaded: trivial / Loresmith", classesLoaded(TrivialHandler.class.getName() + "::handleRequest", template)
                + " / " + classesLoaded("dev.loresmith.handler.SqsGenerateHandler::handleRequest", template), "", "-Xlog:class+load");
        System.out.println();
    }

    private String classesLoaded(String handler, String jvmOptions) throws Exception {
        // A name not yet taken: the JVM moves a file already there aside (to .0) before it logs.
        Path log = scratch().resolve("classes-" + System.nanoTime() + ".log");
        coldOnce(handler, jvmOptions + " -Xlog:class+load:file=" + log, null);
        try (Stream<String> lines = Files.lines(log)) {
            return Long.toString(lines.count());
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private long coldMedian(String handler, String jvmOptions, Map<String, String> env) throws Exception {
        coldOnce(handler, jvmOptions, env); // first run pays the OS file cache
        long[] runs = new long[coldRuns];
        for (int i = 0; i < coldRuns; i++) {
            runs[i] = coldOnce(handler, jvmOptions, env);
        }
        Arrays.sort(runs);
        return runs[coldRuns / 2];
    }

    private long coldOnce(String handler, String jvmOptions, Map<String, String> extraEnv) throws Exception {
        anthropic.repliesForEachType();
        String event = "{\"Records\":[{\"messageId\":\"m-1\",\"receiptHandle\":\"r\",\"body\":"
                + Json.write(Json.MAPPER.getNodeFactory().textNode("{\"contentType\":\"quest_description\",\"contentId\":"
                + IDS.incrementAndGet() + "}")) + ",\"attributes\":{},\"messageAttributes\":{},\"md5OfBody\":\"x\","
                + "\"eventSource\":\"aws:sqs\",\"eventSourceARN\":\"arn:aws:sqs:us-east-1:000000000000:q\",\"awsRegion\":\"us-east-1\"}]}";
        try (RuntimeApiStub api = new RuntimeApiStub(event)) {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(List.of("-Xshare:auto", "-XX:+UseSerialGC"));
            for (String option : jvmOptions.split(" ", -1)) {
                if (!option.isBlank()) {
                    command.add(option);
                }
            }
            command.add("-cp");
            command.add(childClasspath(jvmOptions.contains("Archive")));
            command.add("com.amazonaws.services.lambda.runtime.api.client.AWSLambda");
            command.add(handler);
            Path output = Files.createTempFile(scratch(), "cold-", ".log");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            builder.environment().putAll(lambdaEnvironment(api.address()));
            if (extraEnv != null) {
                builder.environment().putAll(extraEnv);
            }
            long started = System.nanoTime();
            Process process = builder.start();
            try {
                long answered;
                try {
                    answered = api.answeredAtNanos.get(60, TimeUnit.SECONDS);
                } catch (TimeoutException | ExecutionException e) {
                    throw new IllegalStateException("no answer from " + handler + "; its output is in " + output, e);
                }
                if (!api.answer.contains("batchItemFailures")) {
                    throw new IllegalStateException("unexpected answer: " + api.answer);
                }
                if (handler.startsWith("dev.loresmith") && jvmOptions.equals("-XX:+TieredCompilation -XX:TieredStopAtLevel=1")) {
                    process.destroy();
                    process.waitFor(20, TimeUnit.SECONDS);
                    for (String line : Files.readAllLines(output)) {
                        if (!line.isBlank() && !isJson(line)) {
                            nonJsonLines.add(line);
                        }
                    }
                }
                Files.deleteIfExists(output);
                return answered - started;
            } finally {
                process.destroy(); // SIGTERM: a normal JVM exit, so -XX:ArchiveClassesAtExit can write its archive
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            }
        }
    }

    private final List<String> nonJsonLines = new CopyOnWriteArrayList<>();

    private static boolean isJson(String line) {
        try {
            return Json.read(line).isObject();
        } catch (IOException e) {
            return false;
        }
    }

    private Map<String, String> lambdaEnvironment(String runtimeApi) {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_LAMBDA_RUNTIME_API", runtimeApi);
        env.put("AWS_LAMBDA_FUNCTION_NAME", "bench");
        env.put("AWS_LAMBDA_FUNCTION_VERSION", "1");
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024");
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench");
        env.put("AWS_LAMBDA_LOG_STREAM_NAME", "bench");
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ACCESS_KEY_ID", "bench");
        env.put("AWS_SECRET_ACCESS_KEY", "bench");
        env.put("AWS_ENDPOINT_URL", dynamoEndpoint.toString());
        env.put("CONTENT_TABLE", contentTable);
        env.put("CIRCUIT_TABLE", circuitTable);
        env.put("ANTHROPIC_BASE_URL", anthropic.baseUrl());
        env.put("ANTHROPIC_API_KEY", "bench-key");
        env.put("SCHEDULE_GROUP", "bench");
        env.put("RESET_FUNCTION_ARN", "arn:aws:lambda:us-east-1:000000000000:function:reset");
        env.put("SCHEDULER_ROLE_ARN", "arn:aws:iam::000000000000:role/scheduler");
        env.put("METRICS_NAMESPACE", "Loresmith/bench");
        return env;
    }

    /** What Lambda's class path would hold: our classes and runtime jars, plus the runtime client Lambda brings. */
    private String childClasspath(boolean jarsOnly) throws IOException {
        Set<String> entries = new LinkedHashSet<>();
        if (jarsOnly) { // CDS archives accept jars only: use the packaged function jar
            try (Stream<Path> jars = Files.list(moduleDir().resolve("target"))) {
                jars.filter(p -> p.getFileName().toString().matches("loresmith-function-.*\\.jar")).forEach(p -> entries.add(p.toString()));
            }
        } else {
            entries.add(moduleDir().resolve("target/classes").toString());
        }
        runtimeClasspath().forEach(p -> entries.add(p.toString()));
        for (URL url : classLoaderUrls()) {
            String path = url.getPath();
            if (path.matches(".*(aws-lambda-java-runtime-interface-client|aws-lambda-java-serialization|utils-lite).*\\.jar")) {
                entries.add(Path.of(URI.create(url.toString())).toString());
            }
        }
        if (!jarsOnly) {
            entries.add(moduleDir().resolve("target/test-classes").toString()); // TrivialHandler only
        }
        return String.join(File.pathSeparator, entries);
    }

    private static List<URL> classLoaderUrls() {
        List<URL> urls = new ArrayList<>();
        for (ClassLoader l = Benchmark.class.getClassLoader(); l != null; l = l.getParent()) {
            if (l instanceof URLClassLoader u) {
                urls.addAll(List.of(u.getURLs()));
            }
        }
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator, -1)) {
            try {
                urls.add(Path.of(entry).toUri().toURL());
            } catch (IOException ignored) {
                // skip
            }
        }
        return urls;
    }

    private static Path moduleDir() {
        return Files.isDirectory(Path.of("function", "target")) ? Path.of("function") : Path.of(".");
    }

    private static List<Path> runtimeClasspath() throws IOException {
        Path file = moduleDir().resolve("target/runtime-classpath.txt");
        if (!Files.exists(file)) {
            throw new IllegalStateException(file + " is missing: run the benchmark with its README command "
                    + "(it includes dependency:build-classpath@runtime-classpath)");
        }
        return Stream.of(Files.readString(file).trim().split(File.pathSeparator)).filter(s -> !s.isBlank()).map(Path::of).toList();
    }

    // ------------------------------------------------------------------ helpers

    /** The SQS handler in this JVM over the benchmark tables and the fake API, with DynamoDB requests recorded. */
    private final class Rig {
        final RecordedRequests recorded = new RecordedRequests();
        private List<SdkRequest> frozen;

        /** Stops counting: later requests (a scenario's clean-up) are not part of the path measured. */
        void freeze() {
            frozen = recorded.all();
        }

        List<SdkRequest> counted() {
            return frozen != null ? frozen : recorded.all();
        }
        final LogCapture emf = new LogCapture();
        final CircuitTable circuits;
        final SqsGenerateHandler handler;
        final TestOutside outside;
        /** DynamoDB requests made before the model was called (the first call), or -1 when it was not. */
        volatile int beforeCall = -1;

        Rig(Duration unused) {
            DynamoDbClient dynamo = TestAws.dynamo(recorded);
            Map<String, String> env = new HashMap<>(lambdaEnvironment("unused"));
            Transport model = new AwsOutside(new Env(env)).transport(Provider.ANTHROPIC);
            outside = new TestOutside().env(env).dynamo(dynamo)
                    .log(new StructuredLog(line -> { }, Clock.systemUTC()))
                    .metrics(new GenerationMetrics(emf, Clock.systemUTC()))
                    .resets((p, g, at) -> { })
                    .queue(new RecordingQueue())
                    .backoff(Pause.REAL)
                    .transport(Transports.around(model, (inner, plan) -> {
                        if (beforeCall < 0) {
                            beforeCall = recorded.all().size();
                        }
                        return inner.send(plan);
                    }))
                    .transport(Transports.around(new BedrockTransport(TestAws.CREDENTIALS, Region.US_EAST_1, URI.create(bedrock.endpoint())),
                            (inner, plan) -> {
                                if (beforeCall < 0) {
                                    beforeCall = recorded.all().size();
                                }
                                return inner.send(plan);
                            }));
            Tables tables = Wiring.tables(outside);
            circuits = tables.circuits();
            handler = new SqsGenerateHandler(Wiring.generate(outside));
        }

        /** Removes the stack item's tokenBudget override (an override of 0 would mean: spend nothing), outside the counted requests. */
        void noBudget() {
            TestAws.dynamo().updateItem(r -> r.tableName(circuitTable)
                    .key(Map.of("provider", AttributeValue.fromS("stack")))
                    .updateExpression("REMOVE tokenBudget"));
        }

        /** Sets the stack item's tokenBudget override, outside the counted requests. */
        void budget(long tokens) {
            TestAws.dynamo().updateItem(r -> r.tableName(circuitTable)
                    .key(Map.of("provider", AttributeValue.fromS("stack")))
                    .updateExpression("SET tokenBudget = :b")
                    .expressionAttributeValues(Map.of(":b", AttributeValue.fromN(Long.toString(tokens)))));
        }

        /** Runs {@code counted} with Anthropic's circuit open; only its requests are counted, and the circuit is closed after. */
        void whileAnthropicOpen(Runnable counted) {
            CircuitRecord closed = circuits.circuit(Provider.ANTHROPIC);
            CircuitRecord open = Circuits.open(Instant.now(), closed.generation() + 1, closed.version() + 1);
            circuits.replace(Provider.ANTHROPIC, closed, open);
            recorded.clear();
            counted.run();
            freeze();
            circuits.replace(Provider.ANTHROPIC, open, Circuits.closed(List.of(), open.generation(), open.version() + 1));
        }

        /** The stack item's provider order (the {@code providers} override). */
        void providers(String order) {
            TestAws.dynamo().updateItem(r -> r.tableName(circuitTable)
                    .key(Map.of("provider", AttributeValue.fromS("stack")))
                    .updateExpression("SET providers = :p")
                    .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(order))));
        }

        /**
         * Keeps a path's circuit where the path needs it, outside what is measured: a failing provider's circuit is closed
         * again before it opens (with the count cleared), so every run of a failover path fails over the same way.
         */
        void resetCircuit(Provider provider) {
            CircuitRecord now = circuits.circuit(provider);
            if (now.state() != CircuitState.OPEN && !now.recentFailures().isEmpty()) {
                circuits.replace(provider, now, Circuits.closed(List.of(), now.generation(), now.version() + 1));
            }
        }

        /** Lifts the shared throttle a rate-limited path set, so the next path starts clear. */
        void clearThrottle() {
            TestAws.dynamo().updateItem(r -> r.tableName(circuitTable)
                    .key(Map.of("provider", AttributeValue.fromS("anthropic")))
                    .updateExpression("REMOVE throttledUntil"));
        }

        void generate(long id) {
            handle(batchFor(id), 45_000);
        }

        int handle(SQSEvent event, int remainingMillis) {
            return handler.handleRequest(event, new FakeContext(remainingMillis)).getBatchItemFailures().size();
        }
    }

    private static SQSEvent batch(int size) {
        SQSEvent event = new SQSEvent();
        List<SQSEvent.SQSMessage> messages = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            messages.addAll(batchFor(IDS.incrementAndGet()).getRecords());
        }
        event.setRecords(messages);
        return event;
    }

    private static SQSEvent batchFor(long id) {
        SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
        message.setMessageId("m-" + id);
        message.setBody("{\"contentType\":\"quest_description\",\"contentId\":" + id + "}");
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(message));
        return event;
    }

    private static long zippedSize(Path dir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes); Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                zip.putNextEntry(new ZipEntry(dir.relativize(file).toString()));
                zip.write(Files.readAllBytes(file));
                zip.closeEntry();
            }
        }
        return bytes.size();
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private static void row(String what, String value, String extra, String note) {
        System.out.printf("   %-44s %14s %10s  %s%n", what, value, extra, note);
    }

    private static String ms(long nanos) {
        return String.format("%.1f ms", nanos / 1e6);
    }

    private static String mb(long bytes) {
        return String.format("%.2f MB", bytes / 1e6);
    }

    private static String ratio(long value, long baseline) {
        return String.format("%.2fx", (double) value / baseline);
    }
}
