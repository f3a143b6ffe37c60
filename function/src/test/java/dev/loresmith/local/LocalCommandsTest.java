package dev.loresmith.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.testing.Interfaces;
import dev.loresmith.testing.Template;
import dev.loresmith.testing.TestAws;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's local commands, run as users run them: in a separate JVM whose system class loader does not
 * see the project (as under {@code mvn exec:java}: see {@link IsolatedLaunch}), and once through Maven itself
 * with the README's exact command line. Every sample event under events/ is invoked on its function; a failure
 * prints one line and exits non-zero in seconds; Ctrl-C stops {@code serve}. Each JVM gets a temporary directory of
 * its own inside this class's, which JUnit removes: a run that left something there would be seen.
 */
class LocalCommandsTest {

    /** Which function takes each sample event (a new sample event must be added here, so it is run too). */
    static final Map<String, String> EVENTS = new LinkedHashMap<>();

    static {
        EVENTS.put("sqs-batch.json", "GenerateFunction");
        EVENTS.put("api-post.json", "ApiFunction");
        EVENTS.put("api-post-wait.json", "ApiFunction");
        EVENTS.put("api-get.json", "ApiFunction");
        EVENTS.put("circuit-get.json", "CircuitFunction");
        EVENTS.put("circuit-put.json", "CircuitFunction");
        EVENTS.put("reset.json", "ResetFunction");
        EVENTS.put("dead-letter.json", "DeadLetterFunction");
        EVENTS.put("sweep.json", "SweepFunction");
        EVENTS.put("replay-dead-letters.json", "SweepFunction");
        EVENTS.put("stream-content.json", "StreamEventsFunction");
        EVENTS.put("stream-circuit.json", "StreamEventsFunction");
        EVENTS.put("stack-settings.json", "StackSettingsFunction");
    }

    @TempDir
    static Path scratch;
    static Path launcherDir;
    static Path classpathFile;
    static final AtomicInteger RUNS = new AtomicInteger();

    /** The launcher alone in a directory of its own (the subprocess's whole system class path), and the project's class path in a file. */
    @BeforeAll
    static void launcher() throws IOException {
        launcherDir = Files.createDirectories(scratch.resolve("launcher"));
        Path target = launcherDir.resolve("dev/loresmith/local/IsolatedLaunch.class");
        Files.createDirectories(target.getParent());
        try (InputStream in = IsolatedLaunch.class.getResourceAsStream("IsolatedLaunch.class")) {
            Files.copy(in, target);
        }
        classpathFile = scratch.resolve("classpath.txt");
        Files.writeString(classpathFile, System.getProperty("java.class.path"));
    }

    /** {@code tmp}: the temporary directory the command's JVM was given (java.io.tmpdir), empty if it cleaned up after itself. */
    record Run(int exit, String out, String err, long millis, Path tmp) {
    }

    /** Runs a command line in a fresh JVM from the repository root, as a user would; {@code env} adds to a clean environment. */
    static Run run(List<String> command, Map<String, String> env, long timeoutSeconds) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(Template.repositoryRoot().toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("AWS_ENDPOINT_URL") || k.startsWith("ANTHROPIC_") || k.equals("LORESMITH_PORT"));
        builder.environment().putAll(env);
        int n = RUNS.incrementAndGet();
        Path out = scratch.resolve("out-" + n + ".txt");
        Path err = scratch.resolve("err-" + n + ".txt");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        long started = System.nanoTime();
        Process process = builder.start();
        boolean exited = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
            throw new AssertionError("did not exit within " + timeoutSeconds + " s: " + command + "\n" + Files.readString(err));
        }
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err), (System.nanoTime() - started) / 1_000_000,
                tmpOf(command));
    }

    /** The JVM command line for the launcher, with a temporary directory of its own. */
    static List<String> java(String mode, String... args) throws IOException {
        Path tmp = Files.createDirectories(scratch.resolve("tmp-" + RUNS.get() + "-" + System.nanoTime()));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-Djava.io.tmpdir=" + tmp, "-cp", launcherDir.toString(), "dev.loresmith.local.IsolatedLaunch", classpathFile.toString(), mode));
        command.addAll(List.of(args));
        return command;
    }

    private static Path tmpOf(List<String> command) {
        return command.stream().filter(a -> a.startsWith("-Djava.io.tmpdir=")).map(a -> Path.of(a.substring("-Djava.io.tmpdir=".length())))
                .findFirst().orElse(null);
    }

    /** What a JVM left in its temporary directory (nothing, when it cleaned up). */
    static List<String> leftIn(Path tmp) throws IOException {
        try (Stream<Path> files = Files.list(tmp)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    @Test
    @DisplayName("every sample event under events/ is mapped to its function here")
    void everySampleEventCovered() throws IOException {
        try (Stream<Path> files = Files.list(Template.repositoryRoot().resolve("events"))) {
            Set<String> samples = new TreeSet<>(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).toList());
            assertEquals(samples, new TreeSet<>(EVENTS.keySet()));
        }
    }

    @Test
    @DisplayName("invoke answers with each function's JSON for each sample event, with what the event expects seeded first, and no banner")
    void invokeEverySample() throws Exception {
        List<String> args = new ArrayList<>();
        for (Map.Entry<String, String> event : EVENTS.entrySet()) {
            if (!args.isEmpty()) {
                args.add("--");
            }
            args.addAll(List.of("invoke", event.getValue(), "events/" + event.getKey()));
        }

        // Each command starts its own embedded DynamoDB Local, as a user's would: no state shared with other tests.
        Run run = run(java("run", args.toArray(String[]::new)), Map.of(), 240);

        String[] outputs = run.out().split("@@exit ", -1);
        assertEquals(EVENTS.size() + 1, outputs.length, run.err());
        Map<String, JsonNode> answers = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, String> event : EVENTS.entrySet()) {
            String output = outputs[i];
            int exit = Integer.parseInt(outputs[i + 1].substring(0, outputs[i + 1].indexOf('\n')).trim());
            String json = i == 0 ? output : output.substring(output.indexOf('\n') + 1);
            assertEquals(0, exit, event + ": " + run.err());
            JsonNode answer = TestJson.parse(json);
            assertTrue(answer.isObject(), event + " answers a JSON object: " + json);
            answers.put(event.getKey(), answer);
            i++;
        }
        assertEquals(2, answers.get("sqs-batch.json").path("batchItemFailures").size(), "the sample batch's two malformed messages");
        // What each sample is for, not what empty tables answer:
        assertEquals(200, answers.get("api-get.json").path("statusCode").asInt(), "the item it reads was requested first");
        assertEquals("half_opened", answers.get("reset.json").path("result").asText(), "the opening it ends was seeded");
        assertEquals(1, answers.get("sweep.json").path("enqueued").asInt(), "an upgrade was due");
        assertEquals(1, answers.get("replay-dead-letters.json").path("enqueued").asInt(), "a dead letter was marked for replay");
        assertEquals("SUCCESS", answers.get("stack-settings.json").path("Status").asText());
        for (String seeded : List.of("seeded: quest_description/42 requested first", "seeded: anthropic's circuit open at generation 1",
                "seeded: quest_description/1 serving its circuit_open fallback", "seeded: quest_description/1 requested, its message dead-lettered",
                "seeded: quest_description/4242 pending")) {
            assertTrue(run.err().contains(seeded), seeded + " in:\n" + run.err());
        }
        assertFalse(run.out().contains("Loresmith is running locally") || run.err().contains("Loresmith is running locally"),
                "a one-shot invoke prints no banner");
        assertFalse(run.err().contains("ERROR"), run.err());
    }

    @Test
    @DisplayName("invoke refuses an event of another function's kind at once, naming both and a sample of the right kind")
    void invokeRefusesAnotherFunctionsEvent() throws Exception {
        Run run = run(java("run", "invoke", "GenerateFunction", "events/api-post.json", "--", "invoke", "ApiFunction", "events/circuit-get.json",
                "--", "invoke", "ResetFunction", "events/sqs-batch.json"), Map.of(), 60);

        assertEquals(3, run.out().split("@@exit 2", -1).length - 1, run.out() + run.err());
        assertTrue(run.err().contains("events/api-post.json is an API Gateway HTTP API request (payload format 2.0), but GenerateFunction takes"
                + " an SQS batch (Records from aws:sqs), like events/sqs-batch.json"), run.err());
        assertTrue(run.err().contains("events/circuit-get.json is a request for GET /circuit, which template.yaml routes to CircuitFunction,"
                + " not to ApiFunction"), run.err());
        assertTrue(run.err().contains("but ResetFunction takes a circuit-reset schedule's input"), run.err());
        assertFalse(run.err().contains("starting"), "refused before anything starts: " + run.err());
    }

    @Test
    @DisplayName("the demo says it is starting before anything starts, runs to exit 0, prints each item's document, says what failed"
            + " means and why no event came, and leaves no file outside function/target/local")
    void demo() throws Exception {
        Run run = run(java("main"), Map.of(), 120);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().startsWith("Loresmith local demo: starting"), "the first line, before DynamoDB Local starts: " + run.out());
        assertTrue(run.out().contains("Demo done"), run.out());
        assertTrue(run.out().contains("\"title\""), "the quest's document, as an object: " + run.out());
        assertTrue(run.out().contains("embedded DynamoDB Local"));
        assertTrue(run.out().contains("status=failed means the request was served a fallback"), run.out());
        assertTrue(run.out().contains("No events: ContentReady announces an item becoming ready; a fallback announces nothing"), run.out());
        Matcher log = Pattern.compile("logs: +(\\S+)").matcher(run.out());
        assertTrue(log.find(), run.out());
        assertEquals(Template.repositoryRoot().resolve("function/target/local/demo.log"), Path.of(log.group(1)));
        assertTrue(Files.readString(Path.of(log.group(1))).contains("content fallback"), "the functions' log");
        assertEquals(List.of(), leftIn(run.tmp()), "nothing left in the temporary directory");
    }

    @Test
    @DisplayName("demo --fake answers each provider's calls with the built-in fake API, no key needed: healthy, failing, rate-limiting;"
            + " a failing Anthropic fails over to a fake Bedrock")
    void demoAgainstTheFake() throws Exception {
        Run run = run(java("run", "demo", "--fake", "healthy", "--", "demo", "--fake", "anthropic=failing", "--", "demo", "--fake", "rate-limiting",
                "--", "demo", "--fake", "anthropic=failing", "--fake", "bedrock=healthy"), Map.of(), 240);

        String[] demos = run.out().split("@@exit ", -1);
        assertEquals(5, demos.length, run.out() + run.err());
        for (int i = 1; i < demos.length; i++) {
            assertTrue(demos[i].startsWith("0"), run.out() + run.err());
        }
        assertTrue(demos[0].contains("status=ready  model=" + FakeModelApi.FAKE_MODEL), demos[0]);
        assertTrue(demos[0].contains(FakeModelApi.FAKE_TEXT), demos[0]);
        assertTrue(demos[0].contains("the built-in FAKE API"), demos[0]);
        assertTrue(demos[0].contains("event  ContentReady"), demos[0]);
        assertTrue(demos[1].contains("status=failed  model=fallback:api_error_500"), demos[1]);
        assertTrue(demos[2].contains("status=failed  model=fallback:rate_limited"), demos[2]);
        assertTrue(demos[3].contains("providers: anthropic,bedrock"), demos[3]);
        assertTrue(demos[3].contains("status=ready  model=" + FakeModelApi.FAKE_MODEL + "  provider=bedrock"), "failed over: " + demos[3]);
        assertFalse(demos[3].contains("status=failed"), demos[3]);
        assertTrue(demos[1].contains("providerReasons={\"anthropic\":\"api_error_500\"}"), demos[1]);
        assertFalse(run.out().contains("no_config"), "a fake is given a key of its own");
    }

    @Test
    @DisplayName("the outage demo, two providers (the default): Anthropic fails, Bedrock answers every request, Anthropic's circuit"
            + " opens and, five minutes on, half-opens and closes on the next request's probe; no fallback served; one provider"
            + " (--providers anthropic): fallbacks shown and explained, then upgraded; both in causal order on one clock")
    void outageDemo() throws Exception {
        Run run = run(java("run", "outage", "--", "outage", "--providers", "anthropic"), Map.of(), 180);

        String[] stories = run.out().split("@@exit ", -1);
        assertEquals(3, stories.length, run.out() + run.err());
        assertTrue(stories[1].startsWith("0") && stories[2].startsWith("0"), run.out() + run.err());

        String failover = stories[0];
        for (String expected : new String[] {"providers anthropic,bedrock", "event  CircuitOpened  anthropic", "event  CircuitHalfOpen  anthropic",
                "event  CircuitClosed  anthropic", "no fallback served", "4 calls to anthropic: 3 failures, then the probe; 6 to bedrock",
                "quest_description/107  ->  ready  " + FakeModelApi.FAKE_MODEL + "  via anthropic"}) {
            assertTrue(failover.contains(expected), expected + " in:\n" + failover);
        }
        assertFalse(failover.contains("  ->  failed") || failover.contains("fallback:"), "no request was served a fallback:\n" + failover);
        assertEquals(6, failover.split("->  ready  " + FakeModelApi.FAKE_MODEL + "  via bedrock", -1).length - 1, failover);
        assertEquals(7, failover.split("event  ContentReady", -1).length - 1, "one ContentReady per item:\n" + failover);
        List<String> lines = List.of(failover.split("\n", -1));
        assertTrue(lastIndexOf(lines, "quest_description/103  ->  ready") < lastIndexOf(lines, "event  CircuitOpened")
                && lastIndexOf(lines, "event  CircuitOpened") < lastIndexOf(lines, "event_consequence/104  ->  ready")
                && lastIndexOf(lines, "event_consequence/106  ->  ready") < lastIndexOf(lines, "event  CircuitHalfOpen")
                && lastIndexOf(lines, "event  CircuitHalfOpen") < lastIndexOf(lines, "quest_description/107  ->  ready")
                && lastIndexOf(lines, "quest_description/107  ->  ready") < lastIndexOf(lines, "event  CircuitClosed"), "causal order:\n" + failover);
        assertFiveMinutesToTheReset(lines, failover);

        String out = stories[1].substring(stories[1].indexOf('\n') + 1);
        for (String expected : new String[] {"event  CircuitOpened", "event  CircuitHalfOpen", "event  CircuitClosed", "event  ContentReady",
                "fallback:api_error_500", "fallback:circuit_open", "upgraded from circuit_open", "Outage demo done",
                "status failed = the request was served a fallback", "player reads: {\"title\":\"The Unfinished Errand\"",
                "model " + FakeModelApi.FAKE_MODEL, FakeModelApi.FAKE_TEXT}) {
            assertTrue(out.contains(expected), expected + " in:\n" + out);
        }
        assertFalse(run.out().contains("claude-sonnet-4-5"), "the fake's text is not labelled as a real model's:\n" + run.out());
        assertEquals(6, out.split("event  ContentReady", -1).length - 1, "one ContentReady per item, no duplicates:\n" + out);

        lines = List.of(out.split("\n", -1));
        int thirdFailure = lastIndexOf(lines, "quest_description/103  ->  failed  fallback:api_error_500");
        int opened = lastIndexOf(lines, "event  CircuitOpened");
        int firstOpenFallback = lastIndexOf(lines, "event_consequence/104  ->  failed  fallback:circuit_open");
        int halfOpen = lastIndexOf(lines, "event  CircuitHalfOpen");
        int closed = lastIndexOf(lines, "event  CircuitClosed");
        int lastReady = lastIndexOf(lines, "event  ContentReady");
        assertTrue(thirdFailure < opened && opened < firstOpenFallback && firstOpenFallback < halfOpen && halfOpen < closed
                && closed < lastReady, "causal order:\n" + out);
        assertFiveMinutesToTheReset(lines, out);
    }

    /** One clock: every timeline line carries its time, time never goes back, and the reset half-opens 5 minutes after the opening. */
    private static void assertFiveMinutesToTheReset(List<String> lines, String out) {
        Pattern timed = Pattern.compile("^(\\d\\d):(\\d\\d):(\\d\\d)  ");
        int previous = -1;
        Map<String, Integer> at = new LinkedHashMap<>();
        for (String line : lines) {
            Matcher m = timed.matcher(line);
            if (m.find()) {
                int seconds = Integer.parseInt(m.group(1)) * 3600 + Integer.parseInt(m.group(2)) * 60 + Integer.parseInt(m.group(3));
                assertTrue(seconds >= previous || previous - seconds > 12 * 3600, "time goes back at: " + line + "\n" + out);
                previous = seconds;
                for (String event : List.of("CircuitOpened", "CircuitHalfOpen")) {
                    if (line.contains("event  " + event)) {
                        at.put(event, seconds);
                    }
                }
            }
        }
        assertEquals(300, Math.floorMod(at.get("CircuitHalfOpen") - at.get("CircuitOpened"), 86_400),
                "the reset half-opens it 5 minutes after the opening, on the demo's clock:\n" + out);
    }

    private static int lastIndexOf(List<String> lines, String text) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        throw new AssertionError(text + " not printed");
    }

    @Test
    @DisplayName("failures are loud and quick: one line, a non-zero exit within seconds, the stack trace in a file under function/target/local")
    void failuresExitQuickly() throws Exception {
        Run unknownFunction = run(java("main", "invoke", "NoSuchFunction", "events/reset.json"), Map.of(), 60);
        assertEquals(2, unknownFunction.exit(), "a usage error, like a missing event file");
        assertTrue(unknownFunction.err().contains("template.yaml has no function NoSuchFunction"), unknownFunction.err());

        Run missingFile = run(java("main", "invoke", "ResetFunction", "events/nope.json"), Map.of(), 60);
        assertEquals(2, missingFile.exit());
        assertTrue(missingFile.err().contains("no event file events/nope.json"), missingFile.err());

        Path badReset = Files.writeString(scratch.resolve("bad-reset.json"), "{\"generation\": \"one\"}");
        Run handlerFails = run(java("main", "invoke", "ResetFunction", badReset.toString()), Map.of(), 60);
        assertEquals(1, handlerFails.exit(), handlerFails.out());
        Matcher line = Pattern.compile("loresmith local invoke failed: IllegalArgumentException: reset input field 'generation' must be a non-negative integer")
                .matcher(handlerFails.err());
        assertTrue(line.find(), handlerFails.err());
        Matcher trace = Pattern.compile("stack trace: (\\S+)").matcher(handlerFails.err());
        assertTrue(trace.find());
        assertEquals(Template.repositoryRoot().resolve("function/target/local/invoke-failure.log"), Path.of(trace.group(1)));
        assertTrue(Files.readString(Path.of(trace.group(1))).contains("at dev.loresmith.handler.ResetHandler"));
        assertTrue(handlerFails.millis() < 30_000, "exited in " + handlerFails.millis() + " ms, not hanging on DynamoDB Local's threads");

        Run usage = run(java("main", "sideways"), Map.of(), 30);
        assertEquals(2, usage.exit());
        assertTrue(usage.err().startsWith("unknown mode 'sideways'\nusage:"), usage.err());

        Run badFake = run(java("main", "serve", "--fake", "openai=failing"), Map.of(), 30);
        assertEquals(2, badFake.exit());
        assertTrue(badFake.err().startsWith("--fake: unknown provider 'openai'; providers: anthropic, bedrock"), badFake.err());
    }

    @Test
    @DisplayName("serve on a busy port fails at once, naming the port, that it is in use, and how to choose another")
    void serveOnBusyPort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Run run = run(java("main", "serve", "--port", Integer.toString(taken.getLocalPort())), Map.of(), 30);

            assertEquals(1, run.exit(), run.out() + run.err());
            assertEquals("loresmith local serve failed: port " + taken.getLocalPort() + " on localhost is already in use (another serve, or"
                    + " another program)", run.err().lines().findFirst().orElse(""));
            assertTrue(run.err().contains("-Dexec.args=\"serve --port 8080\" (or LORESMITH_PORT=8080; --port 0 takes any free port)"), run.err());
            assertFalse(run.err().contains("stack trace"), "nothing in a stack trace to read");
            assertFalse(run.out().contains("Loresmith is running locally"), "refused before anything starts");
            assertTrue(run.millis() < 10_000, "at once: " + run.millis() + " ms");
        }
    }

    @Test
    @DisplayName("serve --fake (both providers) answers until Ctrl-C, on loopback only, routing like API Gateway: Anthropic forced open,"
            + " Bedrock answers; both forced open, circuit_open (not no_config), unknown routes 404 {\"message\":\"Not Found\"}, a body over 1 MiB 413, an unknown field names wait;"
            + " its log holds only stream batches that exist")
    void serveAgainstTheFake() throws Exception {
        int port = TestAws.freePort();
        Path printed = scratch.resolve("serve-" + RUNS.incrementAndGet() + ".txt");
        ProcessBuilder builder = new ProcessBuilder(java("main", "serve", "--port", Integer.toString(port), "--fake", "healthy", "--fake", "bedrock=healthy"))
                .directory(Template.repositoryRoot().toFile()).redirectErrorStream(true).redirectOutput(printed.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("AWS_ENDPOINT_URL") || k.startsWith("ANTHROPIC_"));
        Process process = builder.start();
        try {
            for (int waited = 0; !Files.readString(printed).contains("Ctrl-C to stop") && waited < 600; waited++) {
                assertTrue(process.isAlive(), Files.readString(printed));
                Thread.sleep(100); // waiting for another process to start: real time, no clock to inject
            }
            String banner = Files.readString(printed);
            URI api = URI.create("http://localhost:" + port);
            assertEquals("closed", TestJson.parse(send(api, "GET", "/circuit", null).body()).path("state").asText());

            assertTrue(banner.contains("providers: anthropic,bedrock"), banner);
            assertEquals(200, send(api, "PUT", "/circuit", "{\"state\":\"open\"}").statusCode());
            JsonNode failedOver = TestJson.parse(send(api, "POST", "/content", "{\"contentType\":\"quest_description\",\"contentId\":6,\"wait\":true}").body());
            assertEquals("bedrock", failedOver.path("provider").asText(), "Anthropic forced off: Bedrock's fake answers " + failedOver);
            assertEquals(200, send(api, "PUT", "/circuit", "{\"state\":\"open\",\"provider\":\"bedrock\"}").statusCode());
            JsonNode forced = TestJson.parse(send(api, "POST", "/content", "{\"contentType\":\"quest_description\",\"contentId\":7,\"wait\":true}").body());
            assertEquals("fallback:circuit_open", forced.path("model").asText(), "with a (fake) key, a forced open is what answers");
            assertEquals(TestJson.parse("{\"anthropic\":\"circuit_open\",\"bedrock\":\"circuit_open\"}"), forced.path("providerReasons"));
            assertEquals(200, send(api, "PUT", "/circuit", "{\"state\":\"auto\"}").statusCode());
            assertEquals(200, send(api, "PUT", "/circuit", "{\"state\":\"auto\",\"provider\":\"bedrock\"}").statusCode());
            JsonNode generated = TestJson.parse(send(api, "POST", "/content", "{\"contentType\":\"quest_description\",\"contentId\":8,\"wait\":true}").body());
            assertEquals(FakeModelApi.FAKE_MODEL, generated.path("model").asText(), generated.toString());
            assertEquals("anthropic", generated.path("provider").asText(), "released: the first provider answers again");
            assertEquals(FakeModelApi.FAKE_TEXT, generated.path("content").path("title").asText());

            for (String[] unrouted : new String[][] {{"GET", "/nope"}, {"DELETE", "/circuit"}, {"GET", "/content"}, {"POST", "/content/x/1"}}) {
                HttpResponse<String> answer = send(api, unrouted[0], unrouted[1], unrouted[0].equals("POST") ? "{}" : null);
                assertEquals(404, answer.statusCode(), String.join(" ", unrouted));
                assertEquals(HttpRoutes.NOT_FOUND, answer.body(), String.join(" ", unrouted));
            }
            assertEquals(413, send(api, "POST", "/content", "x".repeat(HttpApiAdapter.MAX_BODY + 1)).statusCode());
            JsonNode unknown = TestJson.parse(send(api, "POST", "/content", "{\"contentType\":\"quest_description\",\"contentId\":9,\"priority\":1}").body());
            assertEquals("unknown field 'priority'; expected contentType, contentId, context, wait", unknown.path("error").asText());

            // Loopback only: DynamoDB Local, the HTTP API and the fake answer on 127.0.0.1 and on no other interface.
            Matcher dynamo = Pattern.compile("DynamoDB Local, in memory, at http://127\\.0\\.0\\.1:(\\d+)").matcher(banner);
            Matcher fake = Pattern.compile("FAKE API at http://127\\.0\\.0\\.1:(\\d+)").matcher(banner);
            assertTrue(dynamo.find() && fake.find(), banner);
            List<Integer> ports = List.of(Integer.parseInt(dynamo.group(1)), port, Integer.parseInt(fake.group(1)));
            for (int listening : ports) {
                assertTrue(Interfaces.accepts(InetAddress.getLoopbackAddress(), listening), "listening on " + listening);
            }
            Optional<InetAddress> other = Interfaces.nonLoopbackAddress();
            if (other.isPresent()) {
                for (int listening : ports) {
                    assertFalse(Interfaces.accepts(other.get(), listening), listening + " is reachable on " + other.get());
                }
            }

            Thread.sleep(1500); // the stream reader polls 5 times a second: idle polls must log nothing
            Matcher log = Pattern.compile("logs: +(\\S+)").matcher(banner);
            assertTrue(log.find(), banner);
            List<String> handled = Files.readAllLines(Path.of(log.group(1))).stream().filter(l -> l.contains("stream records handled")).toList();
            assertFalse(handled.isEmpty(), "the writes above were handled");
            handled.forEach(l -> assertTrue(TestJson.parse(l).path("records").asInt() > 0, "an empty batch logged: " + l));

            process.destroy(); // SIGTERM, like Ctrl-C's SIGINT: the JVM runs its shutdown hooks
            assertTrue(process.waitFor(20, TimeUnit.SECONDS), "stopped");
        } finally {
            process.destroyForcibly();
        }
        assertTrue(Files.readString(printed).contains("Stopped."), Files.readString(printed));
    }

    private static HttpResponse<String> send(URI api, String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(api.resolve(path)).header("content-type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HttpClient.newHttpClient().send(request.build(), BodyHandlers.ofString());
    }

    @Test
    @DisplayName("the README's first screen says what Loresmith is and gives the two commands, run it and test it")
    void readmeFirstScreen() throws IOException {
        List<String> firstScreen = Files.readAllLines(Template.repositoryRoot().resolve("README.md")).stream().limit(30).toList();
        String text = String.join("\n", firstScreen);
        assertTrue(text.startsWith("# Loresmith\n"), text);
        assertTrue(text.contains("LLM-written game text"), text);
        assertTrue(text.contains("`" + LocalRunner.COMMAND + "`"), text);
        assertTrue(text.contains("`mvn -B verify`"), text);
    }

    @Test
    @DisplayName("the README's own command line, through Maven: invoke answers (the suite and the README cannot diverge)")
    void readmeCommandThroughMaven() throws Exception {
        String readme = Files.readString(Template.repositoryRoot().resolve("README.md"));
        Matcher command = Pattern.compile("`(mvn -q -f function test-compile exec:java@local)`").matcher(readme);
        assertTrue(command.find(), "the README names the local runner's command");
        Path mvn = Stream.of(System.getenv("PATH").split(File.pathSeparator)).map(d -> Path.of(d, "mvn"))
                .filter(Files::isExecutable).findFirst().orElse(null);
        Assumptions.assumeTrue(mvn != null, "mvn is not on the PATH");
        List<String> line = new ArrayList<>(List.of(command.group(1).split(" ")));
        line.set(0, mvn.toString());
        line.add("-Dexec.args=invoke CircuitFunction events/circuit-get.json");

        Run run = run(line, Map.of(), 300);

        assertEquals(0, run.exit(), run.out() + run.err());
        String out = run.out().replaceAll("\u001B\\[[0-9;]*m", ""); // Maven colours its own lines
        JsonNode response = TestJson.parse(out.substring(out.indexOf('{')));
        assertEquals(200, response.path("statusCode").asInt());
        assertEquals("closed", TestJson.parse(response.path("body").asText()).path("state").asText());
    }
}
