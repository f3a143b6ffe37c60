package dev.loresmith.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.testing.Template;
import dev.loresmith.testing.TestAws;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's local commands, run as users run them: in a separate JVM whose system class loader does not
 * see the project (as under {@code mvn exec:java}: see {@link IsolatedLaunch}), and once through Maven itself
 * with the README's exact command line. Every sample event under events/ is invoked on its function; a failure
 * prints one line and exits non-zero in seconds; Ctrl-C stops {@code serve}.
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

    static Path launcherDir;
    static Path classpathFile;

    /** The launcher alone in a directory of its own (the subprocess's whole system class path), and the project's class path in a file. */
    @BeforeAll
    static void launcher() throws IOException {
        launcherDir = Files.createTempDirectory("loresmith-launcher");
        Path target = launcherDir.resolve("dev/loresmith/local/IsolatedLaunch.class");
        Files.createDirectories(target.getParent());
        try (InputStream in = IsolatedLaunch.class.getResourceAsStream("IsolatedLaunch.class")) {
            Files.copy(in, target);
        }
        classpathFile = Files.createTempFile("loresmith-classpath", ".txt");
        Files.writeString(classpathFile, System.getProperty("java.class.path"));
    }

    record Run(int exit, String out, String err, long millis) {
    }

    /** Runs a command line in a fresh JVM from the repository root, as a user would; {@code env} adds to a clean environment. */
    static Run run(List<String> command, Map<String, String> env, long timeoutSeconds) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(Template.repositoryRoot().toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("AWS_ENDPOINT_URL") || k.startsWith("ANTHROPIC_") || k.equals("LORESMITH_PORT"));
        builder.environment().putAll(env);
        Path out = Files.createTempFile("loresmith-out", ".txt");
        Path err = Files.createTempFile("loresmith-err", ".txt");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        long started = System.nanoTime();
        Process process = builder.start();
        boolean exited = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
            throw new AssertionError("did not exit within " + timeoutSeconds + " s: " + command + "\n" + Files.readString(err));
        }
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err), (System.nanoTime() - started) / 1_000_000);
    }

    static List<String> java(String mode, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", launcherDir.toString(), "dev.loresmith.local.IsolatedLaunch", classpathFile.toString(), mode));
        command.addAll(List.of(args));
        return command;
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
    @DisplayName("invoke answers with each function's JSON for each sample event, under exec:java's class loading")
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
        int i = 0;
        for (Map.Entry<String, String> event : EVENTS.entrySet()) {
            String output = outputs[i];
            int exit = Integer.parseInt(outputs[i + 1].substring(0, outputs[i + 1].indexOf('\n')).trim());
            String json = i == 0 ? output : output.substring(output.indexOf('\n') + 1);
            assertEquals(0, exit, event + ": " + run.err());
            JsonNode answer = TestJson.parse(json);
            assertTrue(answer.isObject(), event + " answers a JSON object: " + json);
            i++;
        }
        assertEquals(2, TestJson.parse(outputs[0]).path("batchItemFailures").size(), "the sample batch's two malformed messages");
    }

    @Test
    @DisplayName("the demo runs from start to exit 0, on its own embedded DynamoDB Local, printing each item's document")
    void demo() throws Exception {
        Run run = run(java("main"), Map.of(), 120);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("Demo done"), run.out());
        assertTrue(run.out().contains("\"title\""), "the quest's document, as an object: " + run.out());
        assertTrue(run.out().contains("embedded DynamoDB Local"));
    }

    @Test
    @DisplayName("the outage demo tells the whole story and exits 0: circuit opens, fallbacks served, reset, probe, every fallback upgraded")
    void outageDemo() throws Exception {
        Run run = run(java("main", "outage"), Map.of(), 120);

        assertEquals(0, run.exit(), run.out() + run.err());
        String out = run.out();
        for (String expected : new String[] {"event  CircuitOpened", "event  CircuitHalfOpen", "event  CircuitClosed", "event  ContentReady",
                "fallback:api_error_500", "fallback:circuit_open", "upgraded from circuit_open", "Outage demo done"}) {
            assertTrue(out.contains(expected), expected + " in:\n" + out);
        }
        assertEquals(6, out.split("event  ContentReady", -1).length - 1, "one ContentReady per item, no duplicates:\n" + out);
    }

    @Test
    @DisplayName("failures are loud and quick: one line, a non-zero exit within seconds, the stack trace in a file")
    void failuresExitQuickly() throws Exception {
        Run unknownFunction = run(java("main", "invoke", "NoSuchFunction", "events/reset.json"), Map.of(), 60);
        assertEquals(2, unknownFunction.exit(), "a usage error, like a missing event file");
        assertTrue(unknownFunction.err().contains("template.yaml has no function NoSuchFunction"), unknownFunction.err());

        Run missingFile = run(java("main", "invoke", "ResetFunction", "events/nope.json"), Map.of(), 60);
        assertEquals(2, missingFile.exit());
        assertTrue(missingFile.err().contains("no event file events/nope.json"), missingFile.err());

        Run handlerFails = run(java("main", "invoke", "ResetFunction", "events/sqs-batch.json"), Map.of(), 60);
        assertEquals(1, handlerFails.exit(), handlerFails.out());
        Matcher line = Pattern.compile("loresmith local invoke failed: IllegalArgumentException: reset input field 'generation' must be a non-negative integer")
                .matcher(handlerFails.err());
        assertTrue(line.find(), handlerFails.err());
        Matcher trace = Pattern.compile("stack trace: (\\S+)").matcher(handlerFails.err());
        assertTrue(trace.find());
        assertTrue(Files.readString(Path.of(trace.group(1))).contains("at dev.loresmith.handler.ResetHandler"));
        assertTrue(handlerFails.millis() < 30_000, "exited in " + handlerFails.millis() + " ms, not hanging on DynamoDB Local's threads");

        Run usage = run(java("main", "sideways"), Map.of(), 30);
        assertEquals(2, usage.exit());
        assertTrue(usage.err().startsWith("usage:"));
    }

    @Test
    @DisplayName("serve answers until Ctrl-C, then stops cleanly")
    void serveStopsOnInterrupt() throws Exception {
        int port = TestAws.freePort();
        Path printed = Files.createTempFile("loresmith-serve", ".txt");
        ProcessBuilder builder = new ProcessBuilder(java("main", "serve", "--port", Integer.toString(port)))
                .directory(Template.repositoryRoot().toFile()).redirectErrorStream(true).redirectOutput(printed.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("AWS_ENDPOINT_URL") || k.startsWith("ANTHROPIC_"));
        Process process = builder.start();
        try {
            for (int waited = 0; !Files.readString(printed).contains("Ctrl-C to stop") && waited < 600; waited++) {
                assertTrue(process.isAlive(), Files.readString(printed));
                Thread.sleep(100); // waiting for another process to start: real time, no clock to inject
            }
            HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest
                    .newBuilder(URI.create("http://localhost:" + port + "/circuit")).build(), BodyHandlers.ofString());
            assertEquals(200, answer.statusCode());
            assertEquals("closed", TestJson.parse(answer.body()).path("state").asText());

            process.destroy(); // SIGTERM, like Ctrl-C's SIGINT: the JVM runs its shutdown hooks
            assertTrue(process.waitFor(20, TimeUnit.SECONDS), "stopped");
        } finally {
            process.destroyForcibly();
        }
        assertTrue(Files.readString(printed).contains("Stopped."), Files.readString(printed));
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
