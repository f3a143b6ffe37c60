package dev.loresmith.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.loresmith.Json;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The outage demo's built-in Messages API: the first {@code failures} calls answer 500, every later one a
 * well-formed reply whose JSON fills each field of the schema the request sent. Loopback only.
 */
final class ScriptedAnthropic implements AutoCloseable {

    private final HttpServer server;
    private final AtomicInteger calls = new AtomicInteger();

    ScriptedAnthropic(int failures) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/messages", exchange -> {
            try (exchange) {
                JsonNode request = Json.read(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                int call = calls.incrementAndGet();
                boolean fail = call <= failures;
                byte[] body = (fail ? "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"scripted outage\"}}"
                        : reply(request)).getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("content-type", "application/json");
                exchange.sendResponseHeaders(fail ? 500 : 200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
    }

    URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    int calls() {
        return calls.get();
    }

    private static String reply(JsonNode request) {
        ObjectNode document = Json.MAPPER.createObjectNode();
        request.path("output_config").path("format").path("schema").path("properties").fieldNames()
                .forEachRemaining(field -> document.put(field, "Written After The Recovery"));
        ObjectNode message = Json.MAPPER.createObjectNode().put("type", "message").put("role", "assistant")
                .put("model", request.path("model").asText()).put("stop_reason", "end_turn");
        message.putArray("content").addObject().put("type", "text").put("text", Json.write(document));
        message.putObject("usage").put("input_tokens", 1500).put("output_tokens", 40);
        return Json.write(message);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
