package dev.loresmith.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.loresmith.Json;
import dev.loresmith.llm.Provider;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * The built-in fake model API of {@code serve --fake}, {@code demo --fake} and {@code outage}: a loopback HTTP server
 * that takes a provider's calls on that provider's path and answers each as its {@link Script} says (a
 * {@link FakeBehaviour} per call). Its replies are Messages API answers whose text fills every field of the schema the
 * call asked for with {@link #FAKE_TEXT}; the items it writes name the model {@link #FAKE_MODEL}, so fake text is never
 * taken for a model's. It never reads, logs or echoes the key it is sent.
 */
final class FakeModelApi implements AutoCloseable {

    /** The model id the runner configures while a fake answers: the {@code model} of every item it writes. */
    static final String FAKE_MODEL = "fake-model";
    /** The key the functions are given for a fake: a real key never reaches it. */
    static final String FAKE_KEY = "local-fake-key";
    /** Every field of a healthy fake reply (five words: inside the limits of every shipped type's fields). */
    static final String FAKE_TEXT = "Fake Text From The Stand-In";

    /** Which behaviour answers the n-th call (counting from 1), and that said in words. */
    record Script(String description, IntFunction<FakeBehaviour> forCall) {

        static Script always(FakeBehaviour behaviour) {
            return new Script(behaviour + " - " + behaviour.effect(), call -> behaviour);
        }

        /** {@code first} for the first {@code calls} calls, {@code then} for every later one. */
        static Script firstThen(int calls, FakeBehaviour first, FakeBehaviour then) {
            return new Script(first + " for its first " + calls + " calls, then " + then, call -> call <= calls ? first : then);
        }
    }

    private final Provider provider;
    private final Script script;
    private final Duration slowAnswer;
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-model-api");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger calls = new AtomicInteger();

    FakeModelApi(Provider provider, Script script) throws IOException {
        this(provider, script, FakeBehaviour.SLOW_ANSWER);
    }

    FakeModelApi(Provider provider, Script script, Duration slowAnswer) throws IOException {
        this.provider = provider;
        this.script = script;
        this.slowAnswer = slowAnswer;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::answer);
        server.setExecutor(threads); // a slow answer must not hold up the calls behind it
        server.start();
    }

    /** The path a provider's calls arrive on (for Bedrock, the model's: {@code /model/{model id}/invoke}). */
    static String path(Provider provider) {
        return switch (provider) {
            case ANTHROPIC -> "/v1/messages";
            case BEDROCK -> "/model/" + FAKE_MODEL + "/invoke";
        };
    }

    Provider provider() {
        return provider;
    }

    URI baseUrl() {
        InetAddress address = server.getAddress().getAddress();
        String host = address instanceof Inet6Address ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
        return URI.create("http://" + host + ":" + server.getAddress().getPort());
    }

    /**
     * The environment that points the functions at this fake instead of the provider (Anthropic: a fake key; Bedrock: its
     * endpoint, as the SDK's variable names it, signed with the local stand-in credentials) and the fake model's id.
     */
    Map<String, String> environment() {
        return switch (provider) {
            case ANTHROPIC -> Map.of("ANTHROPIC_BASE_URL", baseUrl().toString(), "ANTHROPIC_API_KEY", FAKE_KEY, "MODEL_ID", FAKE_MODEL);
            case BEDROCK -> Map.of("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", baseUrl().toString(), "BEDROCK_MODEL_ID", FAKE_MODEL);
        };
    }

    /** Calls answered so far. */
    int calls() {
        return calls.get();
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] request = exchange.getRequestBody().readAllBytes();
            if (!exchange.getRequestMethod().equals("POST") || !exchange.getRequestURI().getPath().equals(path(provider))) {
                send(exchange, 404, Map.of(), "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"the fake serves POST "
                        + path(provider) + " only\"}}");
                return;
            }
            FakeBehaviour behaviour = script.forCall().apply(calls.incrementAndGet());
            switch (behaviour) {
                case HEALTHY -> send(exchange, 200, Map.of(), reply(request));
                case FAILING -> failure(exchange, 500, "api_error", "InternalServerException", "fake failure from the local stand-in");
                case RATE_LIMITING -> failure(exchange, 429, "rate_limit_error", "ThrottlingException", "fake rate limit from the local stand-in");
                case SLOW -> {
                    pause(slowAnswer);
                    send(exchange, 200, Map.of(), reply(request));
                }
            }
        } catch (IOException e) {
            // the caller gave up (a slow answer after its timeout): nothing to answer
        }
    }

    /** A Messages answer whose text is a JSON object with every property of the requested schema set to the fake text. */
    private static String reply(byte[] body) throws IOException {
        JsonNode request = Json.read(new String(body, StandardCharsets.UTF_8));
        ObjectNode document = Json.MAPPER.createObjectNode();
        request.path("output_config").path("format").path("schema").path("properties").fieldNames()
                .forEachRemaining(field -> document.put(field, FAKE_TEXT));
        ObjectNode message = Json.MAPPER.createObjectNode().put("id", "msg_fake").put("type", "message").put("role", "assistant")
                .put("model", FAKE_MODEL).put("stop_reason", "end_turn");
        message.putArray("content").addObject().put("type", "text").put("text", Json.write(document));
        message.putObject("usage").put("input_tokens", 1500).put("output_tokens", 40);
        return Json.write(message);
    }

    /** An error as the provider words it: Anthropic's error body (a 429 with {@code retry-after}), Bedrock's {@code x-amzn-ErrorType}. */
    private void failure(HttpExchange exchange, int status, String anthropicType, String bedrockType, String message) throws IOException {
        switch (provider) {
            case ANTHROPIC -> {
                ObjectNode body = Json.MAPPER.createObjectNode().put("type", "error");
                body.putObject("error").put("type", anthropicType).put("message", message);
                send(exchange, status, status == 429 ? Map.of("retry-after", Integer.toString(FakeBehaviour.RETRY_AFTER_SECONDS)) : Map.of(),
                        Json.write(body));
            }
            case BEDROCK -> send(exchange, status, Map.of("x-amzn-ErrorType", bedrockType + ":http://internal.amazon.com/coral/com.amazon.bedrock/"),
                    Json.write(Json.MAPPER.createObjectNode().put("message", message)));
        }
    }

    private static void send(HttpExchange exchange, int status, Map<String, String> headers, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("content-type", "application/json");
        headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void pause(Duration duration) {
        try {
            TimeUnit.MILLISECONDS.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
