package dev.loresmith.bench;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;

import java.util.concurrent.CompletableFuture;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * A stand-in for the Lambda Runtime API, the endpoints the runtime interface client polls: the first
 * {@code /invocation/next} hands out one event, later polls hang; completes when the function posts its
 * response or an error. (WireMock rather than the JDK's HTTP server: the native runtime client matches
 * header names case-sensitively, and the JDK server rewrites their case.)
 */
final class RuntimeApiStub implements AutoCloseable {

    private static final String NEXT = "/2018-06-01/runtime/invocation/next";
    private final WireMockServer server;
    final CompletableFuture<Long> answeredAtNanos = new CompletableFuture<>();
    volatile String answer;

    RuntimeApiStub(String event) {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        server.stubFor(get(urlEqualTo(NEXT)).inScenario("invocations").whenScenarioStateIs(Scenario.STARTED)
                .willSetStateTo("served")
                .willReturn(aResponse().withStatus(200)
                        .withHeader("Lambda-Runtime-Aws-Request-Id", "bench-request-1")
                        .withHeader("Lambda-Runtime-Deadline-Ms", Long.toString(System.currentTimeMillis() + 600_000))
                        .withHeader("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:bench")
                        .withHeader("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
                        .withHeader("Content-Type", "application/json")
                        .withBody(event)));
        server.stubFor(get(urlEqualTo(NEXT)).inScenario("invocations").whenScenarioStateIs("served")
                .willReturn(aResponse().withStatus(200).withFixedDelay(120_000)));
        server.stubFor(post(urlPathMatching("/2018-06-01/runtime/.*")).willReturn(aResponse().withStatus(202).withBody("{}")));
        server.addMockServiceRequestListener((request, response) -> {
            String url = request.getUrl();
            if (url.endsWith("/response")) {
                answer = request.getBodyAsString();
                answeredAtNanos.complete(System.nanoTime());
            } else if (url.endsWith("/error")) {
                answer = "ERROR " + request.getBodyAsString();
                answeredAtNanos.completeExceptionally(new IllegalStateException(answer));
            }
        });
        server.start();
    }

    String address() {
        return "127.0.0.1:" + server.port();
    }

    @Override
    public void close() {
        answeredAtNanos.complete(-1L);
        server.stop();
    }
}
