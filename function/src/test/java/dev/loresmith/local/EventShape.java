package dev.loresmith.local;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;
import java.util.Optional;

/**
 * The kinds of event the functions are invoked with, told apart by their shape, and which kind each function takes:
 * so {@code invoke} refuses an event meant for another function (an HTTP request handed to the SQS handler would
 * otherwise "succeed" with nothing done) with a message naming both, and a sample of the right kind.
 */
enum EventShape {

    SQS("an SQS batch (Records from aws:sqs)", "events/sqs-batch.json"),
    HTTP_API("an API Gateway HTTP API request (payload format 2.0)", "events/api-post.json"),
    DYNAMODB_STREAM("a DynamoDB stream batch (Records from aws:dynamodb)", "events/stream-content.json"),
    CLOUDFORMATION("a CloudFormation custom resource request (RequestType, ResponseURL)", "events/stack-settings.json"),
    RESET("a circuit-reset schedule's input {\"generation\": g}", "events/reset.json"),
    SWEEP("a scheduled or bus event, or an operator's {\"action\": ...}", "events/sweep.json");

    /** The kind of event each function of template.yaml is invoked with. */
    static final Map<String, EventShape> TAKEN_BY = Map.of(
            "GenerateFunction", SQS,
            "DeadLetterFunction", SQS,
            "ApiFunction", HTTP_API,
            "CircuitFunction", HTTP_API,
            "StreamEventsFunction", DYNAMODB_STREAM,
            "StackSettingsFunction", CLOUDFORMATION,
            "ResetFunction", RESET,
            "SweepFunction", SWEEP);

    private final String description;
    private final String sample;

    EventShape(String description, String sample) {
        this.description = description;
        this.sample = sample;
    }

    String description() {
        return description;
    }

    /** A sample event of this kind, under events/. */
    String sample() {
        return sample;
    }

    /** The kind of {@code event}, if it is one of these. */
    static Optional<EventShape> of(JsonNode event) {
        if (!event.isObject()) {
            return Optional.empty();
        }
        JsonNode records = event.path("Records");
        if (records.isArray() && !records.isEmpty()) {
            return switch (records.get(0).path("eventSource").asText()) {
                case "aws:sqs" -> Optional.of(SQS);
                case "aws:dynamodb" -> Optional.of(DYNAMODB_STREAM);
                default -> Optional.empty();
            };
        }
        if (event.path("version").asText().equals("2.0") && event.path("requestContext").has("http")) {
            return Optional.of(HTTP_API);
        }
        if (event.has("RequestType") && event.has("ResponseURL")) {
            return Optional.of(CLOUDFORMATION);
        }
        if (event.has("generation")) {
            return Optional.of(RESET);
        }
        if (event.isEmpty() || event.has("detail-type") || event.has("action")) {
            return Optional.of(SWEEP);
        }
        return Optional.empty();
    }
}
