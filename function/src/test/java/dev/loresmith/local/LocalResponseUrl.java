package dev.loresmith.local;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The local stand-in for CloudFormation's pre-signed ResponseURL: a loopback HTTP server that takes the custom
 * resource's answer (a PUT) and keeps it, so {@code invoke StackSettingsFunction} shows what CloudFormation would
 * receive instead of failing on the sample event's unreachable URL.
 */
final class LocalResponseUrl implements AutoCloseable {

    private final HttpServer server;
    private final List<String> answers = new CopyOnWriteArrayList<>();

    LocalResponseUrl() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                if (exchange.getRequestMethod().equals("PUT")) {
                    answers.add(new String(body.readAllBytes(), StandardCharsets.UTF_8));
                    exchange.sendResponseHeaders(200, -1);
                } else {
                    exchange.sendResponseHeaders(405, -1);
                }
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/cloudformation-response");
    }

    /** The answers received, in order. */
    List<String> answers() {
        return List.copyOf(answers);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
