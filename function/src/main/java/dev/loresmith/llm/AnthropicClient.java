package dev.loresmith.llm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.Json;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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

    public static final String DEFAULT_BASE_URL = "https://api.anthropic.com";
    static final String API_VERSION = "2023-06-01";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Far above any reply max_tokens allows (8192 tokens ≈ 40 KB of JSON); a bigger body is garbage. */
    static final int MAX_RESPONSE_BYTES = 1 << 20;

    private final HttpClient http;
    private final URI messagesUri;

    public AnthropicClient(String baseUrl) {
        URI base = URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
        this.messagesUri = URI.create(base + "/v1/messages");
        this.http = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                // h2c upgrade on plain http (local fakes) buys nothing; TLS endpoints negotiate HTTP/2 themselves.
                .version("https".equals(base.getScheme()) ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
                .build();
    }

    @Override
    public LlmReply complete(MessagesPrompt prompt, String apiKey, Duration timeout) {
        HttpRequest request = HttpRequest.newBuilder(messagesUri)
                .timeout(timeout)
                .header("x-api-key", apiKey)
                .header("anthropic-version", API_VERSION)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(prompt.body()))
                .build();
        CompletableFuture<HttpResponse<String>> call = http.sendAsync(request, info -> new LimitedBody(MAX_RESPONSE_BYTES));
        HttpResponse<String> response;
        try {
            response = call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            return new LlmReply.NetworkError("timed out after " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return new LlmReply.NetworkError(cause.getClass().getSimpleName());
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            return new LlmReply.NetworkError("interrupted");
        }
        if (response.statusCode() / 100 != 2) {
            return new LlmReply.HttpError(response.statusCode());
        }
        if (response.body() == null) {
            return new LlmReply.Unreadable("response body exceeds " + MAX_RESPONSE_BYTES + " bytes");
        }
        return read(response.body());
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
        StringBuilder text = new StringBuilder();
        for (JsonNode block : root.path("content")) {
            if ("text".equals(block.path("type").asText())) {
                text.append(block.path("text").asText());
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
