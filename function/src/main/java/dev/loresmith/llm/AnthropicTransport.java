package dev.loresmith.llm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.loresmith.Json;
import dev.loresmith.secrets.ApiKey;
import dev.loresmith.secrets.ApiKeySource;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Anthropic's Messages API ({@code POST {baseUrl}/v1/messages}) over the JDK's HTTP client: no SDK, so no SDK retries
 * to blur the circuit's accounting and nothing heavy to load at cold start. The key comes from {@link ApiKeySource}
 * (Secrets Manager, cached) and travels only in the {@code x-api-key} header.
 */
public final class AnthropicTransport implements Transport {

    static final String API_VERSION = "2023-06-01";

    private final ApiKeySource apiKeys;
    private final HttpExchange http = new HttpExchange();
    private final Map<String, URI> messagesUris = new ConcurrentHashMap<>();

    public AnthropicTransport(ApiKeySource apiKeys) {
        this.apiKeys = apiKeys;
    }

    @Override
    public Provider provider() {
        return Provider.ANTHROPIC;
    }

    @Override
    public Readiness readiness() {
        ApiKey key = apiKeys.apiKey();
        if (key instanceof ApiKey.Absent absent) {
            return new Readiness.Absent(absent.why());
        }
        if (key instanceof ApiKey.Unavailable unavailable) {
            return new Readiness.Unavailable(unavailable.why());
        }
        return Readiness.READY;
    }

    @Override
    public LlmReply send(CallPlan plan) {
        ApiKey key = apiKeys.apiKey();
        if (!(key instanceof ApiKey.Present present)) {
            return new LlmReply.Unsendable("no usable API key");
        }
        URI uri;
        try {
            uri = messagesUri(plan.baseUrl());
        } catch (RuntimeException e) {
            return new LlmReply.Unsendable("base URL unusable (" + e.getClass().getSimpleName() + ")");
        }
        Map<String, String> headers = Map.of("x-api-key", present.value(), "anthropic-version", API_VERSION,
                "content-type", "application/json");
        return http.post(uri, headers, plan.prompt().body().getBytes(StandardCharsets.UTF_8), plan.timeout(), AnthropicTransport::reply);
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

    /** What a response means: an error with what the flow acts on, a body over the cap, or the Messages answer. */
    static LlmReply reply(HttpExchange.Response response) {
        if (response.status() / 100 != 2) {
            return error(response.status(), response.body(), response.headers());
        }
        if (response.body() == null) {
            return new LlmReply.Unreadable("response body exceeds " + HttpExchange.MAX_RESPONSE_BYTES + " bytes");
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
