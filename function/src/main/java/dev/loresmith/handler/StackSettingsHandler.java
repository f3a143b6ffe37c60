package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;
import dev.loresmith.log.ErrorSummary;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.storage.CircuitStore;
import dev.loresmith.storage.StackSettings;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The stack's custom resource ({@code Custom::StackSettings}): on every create and update it writes the
 * template's parameters ({@code ModelId}, {@code MaxTokens}, {@code AnthropicBaseUrl}, {@code DailyTokenBudget})
 * to the config item, which every request reads. A parameter change thus takes effect on deploy, without
 * relying on a new function version reaching the {@code live} alias (SAM publishes one only when the
 * function's own properties change). Delete leaves the item alone. Always answers CloudFormation, so a
 * failure fails the deploy (naming the property) instead of hanging it.
 */
public final class StackSettingsHandler implements RequestStreamHandler {

    static final String PHYSICAL_ID = "loresmith-stack-settings";

    private final CircuitStore circuits;
    private final StructuredLog log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** What this handler works with; {@link Wiring#stackSettings} builds it. */
    public record Dependencies(CircuitStore circuits, StructuredLog log) {
    }

    public StackSettingsHandler() {
        this(Wiring.stackSettings(AwsOutside.fromEnvironment()));
    }

    public StackSettingsHandler(Dependencies d) {
        this.circuits = d.circuits();
        this.log = d.log();
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        JsonNode request = Json.MAPPER.readTree(input.readNBytes(256 * 1024));
        String type = request.path("RequestType").asText("");
        String status = "SUCCESS";
        String reason = null;
        try {
            if (type.equals("Create") || type.equals("Update")) {
                StackSettings settings = settings(request.path("ResourceProperties"));
                circuits.writeStackSettings(settings);
                log.info("stack settings written", "requestType", type, "model", settings.model(), "maxTokens", settings.maxTokens(),
                        "tokenBudget", settings.tokenBudget());
            }
        } catch (IllegalArgumentException e) {
            status = "FAILED";
            reason = e.getMessage(); // our own words: which property, which rule
        } catch (RuntimeException e) {
            status = "FAILED";
            reason = "could not write the settings (" + ErrorSummary.of(e) + ")";
            log.error("stack settings not written", "error", ErrorSummary.of(e));
        }
        respond(request, status, reason);
        output.write("{}".getBytes(StandardCharsets.UTF_8));
    }

    /** The resource's properties (CloudFormation passes them as strings), checked like the template checks them. */
    static StackSettings settings(JsonNode properties) {
        String model = properties.path("Model").asText("").trim();
        if (!StackSettings.MODEL_ID.matcher(model).matches()) {
            throw new IllegalArgumentException("Model must match " + StackSettings.MODEL_ID.pattern());
        }
        String baseUrl = properties.path("BaseUrl").asText("").trim();
        StackSettings.baseUrlProblem(baseUrl).ifPresent(problem -> {
            throw new IllegalArgumentException("BaseUrl " + problem);
        });
        return new StackSettings(model, (int) number(properties, "MaxTokens", 1, StackSettings.MAX_TOKENS_LIMIT), baseUrl,
                number(properties, "DailyTokenBudget", 0, Long.MAX_VALUE / 2));
    }

    private static long number(JsonNode properties, String name, long min, long max) {
        try {
            long value = Long.parseLong(properties.path(name).asText("").trim());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a whole number from " + min + " to " + max);
    }

    private void respond(JsonNode request, String status, String reason) {
        ObjectNode body = Json.MAPPER.createObjectNode()
                .put("Status", status)
                .put("Reason", reason == null ? "see the function's log" : reason)
                .put("PhysicalResourceId", PHYSICAL_ID)
                .put("StackId", request.path("StackId").asText())
                .put("RequestId", request.path("RequestId").asText())
                .put("LogicalResourceId", request.path("LogicalResourceId").asText());
        String url = request.path("ResponseURL").asText("");
        try {
            // the pre-signed S3 URL expects no content type
            HttpResponse<Void> answer = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                    .PUT(HttpRequest.BodyPublishers.ofString(Json.write(body))).build(), HttpResponse.BodyHandlers.discarding());
            log.info("custom resource answered", "status", status, "httpStatus", answer.statusCode());
        } catch (IOException | RuntimeException e) {
            log.error("custom resource answer not delivered", "error", ErrorSummary.of(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
