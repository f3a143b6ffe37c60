package dev.loresmith.llm;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * One POST over the JDK's HTTP client, as every provider's transport makes it: the whole exchange, body included,
 * bounded by the timeout; the response body read as UTF-8 up to {@link #MAX_RESPONSE_BYTES} (a bigger one is
 * abandoned); a failure returned as a value, never thrown, and never carrying a foreign exception's message
 * (the JDK quotes an invalid header value in its messages, and a header here may hold a key).
 */
final class HttpExchange {

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Far above any reply max_tokens allows (8192 tokens ≈ 40 KB of JSON); a bigger body is garbage. */
    static final int MAX_RESPONSE_BYTES = 1 << 20;

    /** What came back: a status, headers, and the body — null when it exceeded the cap. */
    record Response(int status, HttpHeaders headers, String body) {
    }

    /** One client per scheme, built on first use: TLS endpoints negotiate HTTP/2; plain http (local fakes, proxies) speaks HTTP/1.1. */
    private final Map<String, HttpClient> clients = new ConcurrentHashMap<>();

    private HttpClient client(String scheme) {
        return clients.computeIfAbsent(scheme, s -> HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .version("https".equals(s) ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1).build());
    }

    /**
     * What a failed exchange was. A connection the endpoint did not accept within {@link #CONNECT_TIMEOUT} is the
     * provider's (or the network's) failure however much time the call had left — counted like a refused connection,
     * never taken for our deadline's {@code no_time}; a request that ran out of {@code timeout} timed out.
     */
    static LlmReply.NetworkError networkError(Throwable cause, Duration timeout) {
        if (cause instanceof HttpConnectTimeoutException) {
            return LlmReply.NetworkError.failed("connection not accepted within " + CONNECT_TIMEOUT.toMillis() + " ms");
        }
        if (cause instanceof HttpTimeoutException) {
            return LlmReply.NetworkError.timedOutAfter(timeout);
        }
        return LlmReply.NetworkError.failed(cause.getClass().getSimpleName());
    }

    /** Posts {@code body} with {@code headers}; {@code read} makes the reply of what came back. */
    LlmReply post(URI uri, Map<String, String> headers, byte[] body, Duration timeout, Function<Response, LlmReply> read) {
        HttpRequest request;
        try {
            HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(timeout).POST(HttpRequest.BodyPublishers.ofByteArray(body));
            headers.forEach(builder::header);
            request = builder.build();
        } catch (RuntimeException e) {
            return new LlmReply.Unsendable("request could not be built (" + e.getClass().getSimpleName() + ")");
        }
        CompletableFuture<HttpResponse<String>> call;
        try {
            call = client(uri.getScheme()).sendAsync(request, info -> new LimitedBody(MAX_RESPONSE_BYTES));
        } catch (RuntimeException e) {
            return new LlmReply.Unsendable("request could not be sent (" + e.getClass().getSimpleName() + ")");
        }
        try {
            HttpResponse<String> response = call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return read.apply(new Response(response.statusCode(), response.headers(), response.body()));
        } catch (TimeoutException e) {
            call.cancel(true);
            return LlmReply.NetworkError.timedOutAfter(timeout);
        } catch (ExecutionException e) {
            return networkError(e.getCause() == null ? e : e.getCause(), timeout);
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            return LlmReply.NetworkError.failed("interrupted");
        }
    }
}
