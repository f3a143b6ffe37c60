package dev.loresmith.llm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.loresmith.Json;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Anthropic's Messages API over the JDK's HTTP client: no SDK, so no SDK retries to blur the circuit's
 * accounting and nothing heavy to load at cold start. One attempt per call; the whole exchange,
 * body included, is bounded by the timeout given.
 */
public final class AnthropicClient implements LlmClient {

    static final String API_VERSION = "2023-06-01";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Far above any reply max_tokens allows (8192 tokens ≈ 40 KB of JSON); a bigger body is garbage. */
    static final int MAX_RESPONSE_BYTES = 1 << 20;

    /** One client per scheme, built on first use: TLS endpoints negotiate HTTP/2; plain http (local fakes, proxies) speaks HTTP/1.1. */
    private final Map<String, HttpClient> clients = new ConcurrentHashMap<>();
    private final Map<String, URI> messagesUris = new ConcurrentHashMap<>();

    private HttpClient client(String scheme) {
        return clients.computeIfAbsent(scheme, s -> HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .version("https".equals(s) ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1).build());
    }

    /** The Messages endpoint of a base URL; throws IllegalArgumentException when it is not an http(s) URL. */
    private URI messagesUri(String baseUrl) {
        return messagesUris.computeIfAbsent(baseUrl, url -> {
            String trimmed = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
            URI uri = URI.create(trimmed + "/v1/messages");
            if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
            return uri;
        });
    }

    @Override
    public LlmReply complete(String baseUrl, MessagesPrompt prompt, String apiKey, Duration timeout) {
        HttpRequest request;
        URI uri;
        try {
            uri = messagesUri(baseUrl);
            request = HttpRequest.newBuilder(uri)
                    .timeout(timeout)
                    .header("x-api-key", apiKey)
                    .header("anthropic-version", API_VERSION)
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(prompt.body()))
                    .build();
        } catch (RuntimeException e) {
            // The JDK quotes an invalid header value in its message, and the value here is the key: keep neither.
            return new LlmReply.Unsendable("request could not be built (" + e.getClass().getSimpleName() + ")");
        }
        CompletableFuture<HttpResponse<String>> call;
        try {
            call = client(uri.getScheme()).sendAsync(request, info -> new LimitedBody(MAX_RESPONSE_BYTES));
        } catch (RuntimeException e) {
            return new LlmReply.Unsendable("request could not be sent (" + e.getClass().getSimpleName() + ")");
        }
        HttpResponse<String> response;
        try {
            response = call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            return LlmReply.NetworkError.timedOutAfter(timeout);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof java.net.http.HttpTimeoutException) {
                return LlmReply.NetworkError.timedOutAfter(timeout);
            }
            return LlmReply.NetworkError.failed(cause.getClass().getSimpleName());
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            return LlmReply.NetworkError.failed("interrupted");
        }
        if (response.statusCode() / 100 != 2) {
            return error(response.statusCode(), response.body(), response.headers());
        }
        if (response.body() == null) {
            return new LlmReply.Unreadable("response body exceeds " + MAX_RESPONSE_BYTES + " bytes");
        }
        return read(response.body());
    }

    /** An error response: its status, and what its body and headers say that the flow acts on. */
    static LlmReply.HttpError error(int status, String body, HttpHeaders headers) {
        JsonNode error = NullNode.getInstance();
        try {
            JsonNode root = body == null ? null : Json.read(body);
            error = root == null ? error : root.path("error");
        } catch (JsonProcessingException e) {
            // not JSON (a proxy's page): the status alone decides
        }
        String type = error.path("type").asText("");
        String message = error.path("message").asText("");
        LlmReply.Problem problem = LlmReply.Problem.OTHER;
        if ("enforced_spend_limit_reached".equals(error.path("details").path("error_code").asText())
                || status == 402 || "billing_error".equals(type)
                || (status == 400 && (message.startsWith("You have reached your specified") || message.contains("credit balance is too low")))) {
            problem = LlmReply.Problem.SPEND_LIMIT;
        } else if (status == 400 && (message.contains("output_config") || message.contains("output_format"))) {
            problem = LlmReply.Problem.STRUCTURED_OUTPUT_REJECTED;
        }
        return new LlmReply.HttpError(status, problem, status == 429 ? retryAfter(headers) : LlmReply.RetryAfter.NONE);
    }

    /**
     * {@code retry-after} (seconds, or an HTTP date); without it, the latest {@code anthropic-ratelimit-*-reset}
     * (RFC 3339) among the limits whose {@code -remaining} is 0.
     */
    static LlmReply.RetryAfter retryAfter(HttpHeaders headers) {
        Optional<String> value = headers.firstValue("retry-after").map(String::trim);
        if (value.isPresent()) {
            try {
                double seconds = Double.parseDouble(value.get());
                if (seconds >= 0 && seconds < 1e7) {
                    return new LlmReply.RetryAfter(Optional.of(Duration.ofMillis((long) Math.ceil(seconds * 1000))), Optional.empty());
                }
            } catch (NumberFormatException notSeconds) {
                try {
                    Instant at = ZonedDateTime.parse(value.get(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                    return new LlmReply.RetryAfter(Optional.empty(), Optional.of(at));
                } catch (DateTimeParseException notADate) {
                    // unusable: fall through to the reset headers
                }
            }
        }
        Instant latest = null;
        for (String limit : new String[] {"requests", "tokens", "input-tokens", "output-tokens"}) {
            String prefix = "anthropic-ratelimit-" + limit;
            if (!headers.firstValue(prefix + "-remaining").map(String::trim).orElse("").equals("0")) {
                continue;
            }
            try {
                Instant reset = headers.firstValue(prefix + "-reset").map(v -> OffsetDateTime.parse(v.trim()).toInstant()).orElse(null);
                if (reset != null && (latest == null || reset.isAfter(latest))) {
                    latest = reset;
                }
            } catch (DateTimeParseException e) {
                // ignore a malformed reset
            }
        }
        return latest == null ? LlmReply.RetryAfter.NONE : new LlmReply.RetryAfter(Optional.empty(), Optional.of(latest));
    }

    static LlmReply read(String body) {
        JsonNode root;
        try {
            root = Json.read(body);
        } catch (JsonProcessingException e) {
            return new LlmReply.Unreadable("response body is not JSON");
        }
        if (root == null || !root.path("content").isArray()) {
            return new LlmReply.Unreadable("response has no content array");
        }
        // Text blocks are joined; other blocks (thinking, tool_use, ...) carry no content of ours.
        StringBuilder text = new StringBuilder();
        for (JsonNode block : root.path("content")) {
            if ("text".equals(block.path("type").asText())) {
                text.append(block.path("text").asText(""));
            }
        }
        JsonNode usage = root.path("usage");
        return new LlmReply.Answer(
                text.toString(),
                root.path("stop_reason").asText(""),
                root.path("model").asText(""),
                new LlmReply.Usage(
                        usage.path("input_tokens").asLong(),
                        usage.path("output_tokens").asLong(),
                        usage.path("cache_creation_input_tokens").asLong(),
                        usage.path("cache_read_input_tokens").asLong()));
    }
}
