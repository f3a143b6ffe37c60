package dev.loresmith.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.regions.Region;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * EventBridge {@code PutEvents}, signed with the SDK's own SigV4 signer and sent over the same URL-connection
 * HTTP client as every AWS call. Not the SDK's EventBridge client: that module is 1.9 MB for this one
 * operation and would push the package past its 15 MB budget (docs/PERFORMANCE.md). The endpoint honours
 * {@code AWS_ENDPOINT_URL_EVENTBRIDGE} / {@code AWS_ENDPOINT_URL} like the SDK clients. Entries EventBridge
 * reports as failed are sent again, twice at most; then the batch fails.
 */
public final class EventBridgePublisher implements EventPublisher {

    static final int MAX_ENTRIES_PER_CALL = 10;
    private static final int ATTEMPTS = 3;

    private final SdkHttpClient http;
    private final AwsCredentialsProvider credentials;
    private final Region region;
    private final URI endpoint;
    private final String busName;

    public EventBridgePublisher(SdkHttpClient http, AwsCredentialsProvider credentials, Region region, URI endpoint, String busName) {
        this.http = http;
        this.credentials = credentials;
        this.region = region;
        this.endpoint = endpoint;
        this.busName = busName;
    }

    /** The regional endpoint, unless the SDK's standard endpoint variables name another. */
    public static URI endpoint(Region region, java.util.function.Function<String, String> env) {
        for (String name : new String[] {"AWS_ENDPOINT_URL_EVENTBRIDGE", "AWS_ENDPOINT_URL"}) {
            String value = env.apply(name);
            if (value != null && !value.isBlank()) {
                return URI.create(value.trim());
            }
        }
        return URI.create("https://events." + region.id() + "." + region.metadata().partition().dnsSuffix());
    }

    @Override
    public void publish(List<DomainEvent> events) {
        for (int start = 0; start < events.size(); start += MAX_ENTRIES_PER_CALL) {
            List<DomainEvent> batch = events.subList(start, Math.min(events.size(), start + MAX_ENTRIES_PER_CALL));
            for (int attempt = 1; !batch.isEmpty(); attempt++) {
                batch = putEvents(batch);
                if (!batch.isEmpty() && attempt >= ATTEMPTS) {
                    throw new PublishFailed(batch.size() + " event(s) not accepted by EventBridge after " + ATTEMPTS + " attempts");
                }
            }
        }
    }

    /** One PutEvents call; returns the events EventBridge did not accept. */
    private List<DomainEvent> putEvents(List<DomainEvent> batch) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode entries = body.putArray("Entries");
        for (DomainEvent event : batch) {
            entries.addObject()
                    .put("Source", DomainEvent.SOURCE)
                    .put("DetailType", event.detailType())
                    .put("Detail", Json.write(event.detail()))
                    .put("EventBusName", busName);
        }
        byte[] payload = Json.write(body).getBytes(StandardCharsets.UTF_8);
        SdkHttpFullRequest request = SdkHttpFullRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(endpoint)
                .putHeader("Content-Type", "application/x-amz-json-1.1")
                .putHeader("X-Amz-Target", "AWSEvents.PutEvents")
                .build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(credentials.resolveCredentials())
                .request(request)
                .payload(ContentStreamProvider.fromByteArray(payload))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "events")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region.id()));
        JsonNode answer;
        int status;
        try {
            HttpExecuteResponse response = http.prepareRequest(HttpExecuteRequest.builder()
                    .request(signed.request())
                    .contentStreamProvider(signed.payload().orElse(null))
                    .build()).call();
            status = response.httpResponse().statusCode();
            try (InputStream in = response.responseBody().map(InputStream.class::cast).orElse(InputStream.nullInputStream())) {
                byte[] bytes = in.readNBytes(1 << 20);
                answer = bytes.length == 0 ? Json.MAPPER.createObjectNode() : Json.read(new String(bytes, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("PutEvents failed (" + e.getClass().getSimpleName() + ")", new IOException(e.getClass().getSimpleName()));
        }
        if (status / 100 != 2) {
            // The error type is AWS's identifier; its message is not kept.
            String type = answer.path("__type").asText("");
            throw new PublishFailed("PutEvents answered " + status + (type.matches("[A-Za-z0-9#._:-]{1,100}") ? " " + type : ""));
        }
        List<DomainEvent> failed = new ArrayList<>();
        JsonNode results = answer.path("Entries");
        for (int i = 0; i < batch.size(); i++) {
            if (answer.path("FailedEntryCount").asInt(0) > 0 && results.path(i).hasNonNull("ErrorCode")) {
                failed.add(batch.get(i));
            }
        }
        return failed;
    }

    /** The bus did not take the events. Its message holds only status codes and counts. */
    public static final class PublishFailed extends RuntimeException {
        public PublishFailed(String message) {
            super(message, null, false, false);
        }
    }
}
