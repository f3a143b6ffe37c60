package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;
import dev.loresmith.llm.Provider;
import dev.loresmith.log.ErrorSummary;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.retry.Pause;
import dev.loresmith.retry.Retry;
import dev.loresmith.retry.RetryPolicy;
import dev.loresmith.storage.CircuitStore;
import dev.loresmith.storage.StackSettings;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The stack's custom resource ({@code Custom::StackSettings}): on Create and Update it writes the template's
 * parameters ({@code ModelId}, {@code MaxTokens}, {@code AnthropicBaseUrl}, {@code DailyTokenBudget}) to the config
 * item, which every request reads. CloudFormation sends an Update only when the resource's properties change; they
 * include the circuit table's name, so a replaced table (a new, empty item) is written again. Delete leaves the
 * item alone (the table is retained).
 *
 * <p>CloudFormation waits for an answer at the event's pre-signed {@code ResponseURL}, so every event gets one:
 * SUCCESS, or FAILED naming the problem (a bad property, a write that failed, an event that is not what
 * CloudFormation sends). If the answer cannot be delivered (an I/O error, a non-2xx answer), the invocation
 * fails, so that Lambda's asynchronous retries run it again (writing the same settings is harmless) — the
 * custom resource's {@code ServiceTimeout} in template.yaml leaves room for them. An event with no usable
 * {@code ResponseURL} cannot be answered at all: the invocation fails and the function-errors alarm shows it.
 */
public final class StackSettingsHandler implements RequestStreamHandler {

    static final String PHYSICAL_ID = "loresmith-stack-settings";
    /** Larger than any event CloudFormation sends (its properties are bounded by the template's own limits). */
    static final int MAX_EVENT_BYTES = 256 * 1024;
    /** CloudFormation takes answers of up to 4096 bytes; the reason is cut well below that. */
    static final int MAX_REASON_CHARS = 1_000;
    /** A few quick tries within the invocation; after that the invocation fails and Lambda's retries take over. */
    static final RetryPolicy DELIVERY = RetryPolicy.attempts(3).backoff(Duration.ofMillis(500), Duration.ofSeconds(2)).withJitter();
    static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(10);
    /** Left of the invocation when the last try may start, for it to finish and the failure to be reported. */
    static final Duration DEADLINE_MARGIN = Duration.ofSeconds(2);

    private final CircuitStore circuits;
    private final StructuredLog log;
    private final Clock clock;
    private final Retry retry;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * What this handler works with; {@link Wiring#stackSettings} builds it. {@code pause}: between tries of an answer
     * that could not be delivered.
     */
    public record Dependencies(CircuitStore circuits, StructuredLog log, Pause pause, Clock clock) {
    }

    public StackSettingsHandler() {
        this(Wiring.stackSettings(AwsOutside.fromEnvironment()));
    }

    public StackSettingsHandler(Dependencies d) {
        this.circuits = d.circuits();
        this.log = d.log();
        this.clock = d.clock();
        this.retry = new Retry(DELIVERY, d.pause(), clock);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        Instant deadline = context == null ? Instant.MAX
                : clock.instant().plusMillis(context.getRemainingTimeInMillis()).minus(DEADLINE_MARGIN);
        Answer answer = answer(input.readNBytes(MAX_EVENT_BYTES), circuits, log);
        deliver(answer, http, retry, deadline, log);
        output.write("{}".getBytes(StandardCharsets.UTF_8));
    }

    /** What CloudFormation is told, and where. */
    record Answer(URI responseUrl, String status, ObjectNode body) {
    }

    /**
     * Applies one event — writes the settings on Create and Update — and returns the answer for it: SUCCESS, or
     * FAILED with a reason in our own words. Throws {@link InvocationFailed} only when the event names nowhere to
     * answer.
     */
    static Answer answer(byte[] event, CircuitStore circuits, StructuredLog log) {
        Event request = Event.parse(event);
        URI responseUrl = request.responseUrl().orElseThrow(() -> {
            log.error("custom resource event has no usable ResponseURL; it cannot be answered", "bytes", event.length);
            return new InvocationFailed("custom resource event has no usable ResponseURL");
        });
        String status = "SUCCESS";
        String reason = "settings written";
        try {
            if (!request.wellFormed()) {
                throw new InvalidEvent("the event is not a JSON object as CloudFormation sends it");
            }
            switch (request.requestType()) {
                case "Create", "Update" -> {
                    StackSettings settings = settings(request.properties());
                    circuits.writeStackSettings(settings);
                    log.info("stack settings written", "requestType", request.requestType(), "model", settings.model(),
                            "maxTokens", settings.maxTokens(), "tokenBudget", settings.tokenBudget(),
                            "providers", Provider.listText(settings.providerOrder().orElse(List.of(Provider.ANTHROPIC))),
                            "bedrockModel", settings.bedrockModel());
                }
                case "Delete" -> reason = "nothing to delete: the config item stays with the retained table";
                default -> throw new InvalidEvent("RequestType must be Create, Update or Delete");
            }
        } catch (InvalidEvent e) {
            status = "FAILED";
            reason = e.getMessage(); // our own words: which property, which rule
            log.error("stack settings not written", "requestType", request.requestType(), "reason", reason);
        } catch (RuntimeException e) {
            status = "FAILED";
            reason = "could not write the settings (" + ErrorSummary.of(e) + ")";
            log.error("stack settings not written", "requestType", request.requestType(), "error", ErrorSummary.of(e));
        }
        ObjectNode body = Json.MAPPER.createObjectNode()
                .put("Status", status)
                .put("Reason", reason.length() > MAX_REASON_CHARS ? reason.substring(0, MAX_REASON_CHARS) : reason)
                .put("PhysicalResourceId", PHYSICAL_ID)
                .put("StackId", request.stackId())
                .put("RequestId", request.requestId())
                .put("LogicalResourceId", request.logicalResourceId());
        return new Answer(responseUrl, status, body);
    }

    /**
     * PUTs the answer to its ResponseURL (no content type: the pre-signed S3 URL is signed without one), trying
     * again after an I/O error or a 5xx while the deadline allows. Throws {@link InvocationFailed} when it was not
     * delivered, so that the invocation fails and Lambda runs it again.
     */
    static void deliver(Answer answer, HttpClient http, Retry retry, Instant deadline, StructuredLog log) {
        HttpRequest put = HttpRequest.newBuilder(answer.responseUrl()).timeout(ATTEMPT_TIMEOUT)
                .PUT(HttpRequest.BodyPublishers.ofString(Json.write(answer.body()), StandardCharsets.UTF_8)).build();
        int delivered;
        try {
            delivered = retry.<Integer>run(deadline, attempt -> {
                int status;
                try {
                    status = http.send(put, HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (IOException e) {
                    return Retry.Step.againOrThrow(new InvocationFailed("custom resource answer not delivered (" + ErrorSummary.of(e) + ")"));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InvocationFailed("custom resource answer not delivered (interrupted)");
                }
                if (status / 100 == 2) {
                    return Retry.Step.done(status);
                }
                InvocationFailed failed = new InvocationFailed("custom resource answer not delivered: the ResponseURL answered " + status);
                if (status / 100 == 5) {
                    return Retry.Step.againOrThrow(failed);
                }
                throw failed; // a refused or expired URL: only a new invocation (or none) can help
            });
        } catch (InvocationFailed e) {
            // The URL is pre-signed: never logged. The message holds only a status code or an exception class.
            log.error("custom resource answer not delivered; failing the invocation so Lambda retries it",
                    "status", answer.status(), "error", e.getMessage());
            throw e;
        }
        log.info("custom resource answered", "status", answer.status(), "httpStatus", delivered);
    }

    /** The resource's properties (CloudFormation passes them as strings), checked like the template checks them. */
    static StackSettings settings(JsonNode properties) {
        String model = properties.path("Model").asText("").trim();
        if (!StackSettings.MODEL_ID.matcher(model).matches()) {
            throw new InvalidEvent("Model must match " + StackSettings.MODEL_ID.pattern());
        }
        String baseUrl = properties.path("BaseUrl").asText("").trim();
        StackSettings.baseUrlProblem(baseUrl).ifPresent(problem -> {
            throw new InvalidEvent("BaseUrl " + problem);
        });
        // Absent from events of a stack created before there was a second provider: Anthropic alone.
        String order = properties.path("Providers").asText(Provider.ANTHROPIC.wireName()).trim();
        List<Provider> providers = Provider.parseList(order).orElseThrow(() ->
                new InvalidEvent("Providers must be anthropic, bedrock, anthropic,bedrock or bedrock,anthropic"));
        String bedrockModel = properties.path("BedrockModelId").asText("").trim();
        if (bedrockModel.isEmpty()) {
            bedrockModel = null;
        } else if (!StackSettings.MODEL_ID.matcher(bedrockModel).matches()) {
            throw new InvalidEvent("BedrockModelId must match " + StackSettings.MODEL_ID.pattern());
        }
        if (bedrockModel == null && providers.contains(Provider.BEDROCK)) {
            throw new InvalidEvent("BedrockModelId is required when Providers names bedrock");
        }
        return new StackSettings(model, (int) number(properties, "MaxTokens", 1, StackSettings.MAX_TOKENS_LIMIT), baseUrl,
                number(properties, "DailyTokenBudget", 0, Long.MAX_VALUE / 2), providers, bedrockModel);
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
        throw new InvalidEvent(name + " must be a whole number from " + min + " to " + max);
    }

    /** A problem with the event, described in our own words (safe to send to CloudFormation and to log). */
    static final class InvalidEvent extends RuntimeException {

        private static final long serialVersionUID = 1L;

        InvalidEvent(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The fields of a custom resource event this handler reads. An event that is not valid JSON still names where to
     * answer, as far as its text shows: its fields are then looked for one by one, so CloudFormation hears FAILED
     * instead of waiting for its timeout.
     */
    record Event(boolean wellFormed, String requestType, JsonNode properties, String responseUrlText, String stackId,
                 String requestId, String logicalResourceId) {

        static Event parse(byte[] raw) {
            String text = new String(raw, StandardCharsets.UTF_8);
            JsonNode node;
            try {
                node = Json.read(text);
            } catch (IOException | RuntimeException e) {
                node = MissingNode.getInstance();
            }
            if (node.isObject()) {
                return new Event(true, node.path("RequestType").asText(""), node.path("ResourceProperties"),
                        node.path("ResponseURL").asText(""), node.path("StackId").asText(""), node.path("RequestId").asText(""),
                        node.path("LogicalResourceId").asText(""));
            }
            return new Event(false, field(text, "RequestType"), MissingNode.getInstance(), field(text, "ResponseURL"),
                    field(text, "StackId"), field(text, "RequestId"), field(text, "LogicalResourceId"));
        }

        /** Where to answer: an http(s) URL with a host (CloudFormation's is a pre-signed https S3 URL). */
        Optional<URI> responseUrl() {
            try {
                URI uri = new URI(responseUrlText);
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                return (scheme.equals("https") || scheme.equals("http")) && uri.getHost() != null ? Optional.of(uri) : Optional.empty();
            } catch (URISyntaxException e) {
                return Optional.empty();
            }
        }

        /** A top-level string field of text that is not valid JSON: its first {@code "name": "..."}, unescaped; else "". */
        private static String field(String text, String name) {
            Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*(\"(?:[^\"\\\\]|\\\\.)*\")").matcher(text);
            if (!m.find()) {
                return "";
            }
            try {
                return Json.read(m.group(1)).asText("");
            } catch (IOException e) {
                return "";
            }
        }
    }
}
