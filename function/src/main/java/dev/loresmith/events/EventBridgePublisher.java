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
import java.util.function.Function;

/**
 * EventBridge {@code PutEvents}, signed with the SDK's own SigV4 signer and sent over the same URL-connection
 * HTTP client as every AWS call. Not the SDK's EventBridge client: that module is 1.9 MB for this one
 * operation and would push the package past its 15 MB budget (docs/PERFORMANCE.md). The endpoint honours
 * {@code AWS_ENDPOINT_URL_EVENTBRIDGE} / {@code AWS_ENDPOINT_URL} like the SDK clients. Entries EventBridge
 * reports as failed are sent again, twice at most; then the batch fails.
 */
public final class EventBridgePublisher implements EventPublisher {

    static final int MAX_ENTRIES_PER_CALL = 10;
    /**
     * PutEvents takes at most 256 KB of entries per call, each entry counted as its Source, DetailType and Detail
     * in UTF-8 (and Resources, Time: not sent); kept a little under, with the bus name counted too.
     */
    static final int MAX_BYTES_PER_CALL = 250_000;
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
    public static URI endpoint(Region region, Function<String, String> env) {
        for (String name : new String[] {"AWS_ENDPOINT_URL_EVENTBRIDGE", "AWS_ENDPOINT_URL"}) {
            String value = env.apply(name);
            if (value != null && !value.isBlank()) {
                return URI.create(value.trim());
            }
        }
        return URI.create("https://events." + region.id() + "." + region.metadata().partition().dnsSuffix());
    }

    /** One entry as it is sent, and its size as PutEvents counts it. */
    record Entry(DomainEvent event, String detail, int bytes) {
    }

    /**
     * The entry for {@code event}: its full detail, or — should that alone pass the call's size limit (a very
     * long text) — its detail without the text ({@code textOmitted: true}; a consumer reads the item instead).
     */
    Entry entry(DomainEvent event) {
        String detail = Json.write(event.detail());
        int bytes = size(event, detail);
        if (bytes > MAX_BYTES_PER_CALL) {
            detail = Json.write(event.compactDetail());
            bytes = size(event, detail);
        }
        return new Entry(event, detail, bytes);
    }

    private int size(DomainEvent event, String detail) {
        return utf8(DomainEvent.SOURCE) + utf8(event.detailType()) + utf8(detail) + utf8(busName);
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    @Override
    public void publish(List<DomainEvent> events) {
        List<Entry> batch = new ArrayList<>();
        int bytes = 0;
        for (DomainEvent event : events) {
            Entry entry = entry(event);
            if (!batch.isEmpty() && (batch.size() == MAX_ENTRIES_PER_CALL || bytes + entry.bytes() > MAX_BYTES_PER_CALL)) {
                send(batch);
                batch = new ArrayList<>();
                bytes = 0;
            }
            batch.add(entry);
            bytes += entry.bytes();
        }
        if (!batch.isEmpty()) {
            send(batch);
        }
    }

    private void send(List<Entry> batch) {
        for (int attempt = 1; !batch.isEmpty(); attempt++) {
            batch = putEvents(batch);
            if (!batch.isEmpty() && attempt >= ATTEMPTS) {
                throw new PublishFailed(batch.size() + " event(s) not accepted by EventBridge after " + ATTEMPTS + " attempts");
            }
        }
    }

    /** One PutEvents call; returns the entries EventBridge did not accept. */
    private List<Entry> putEvents(List<Entry> batch) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode entries = body.putArray("Entries");
        for (Entry entry : batch) {
            entries.addObject()
                    .put("Source", DomainEvent.SOURCE)
                    .put("DetailType", entry.event().detailType())
                    .put("Detail", entry.detail())
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
        int failedCount = answer.path("FailedEntryCount").asInt(0);
        if (failedCount == 0) {
            return List.of();
        }
        List<Entry> failed = new ArrayList<>();
        JsonNode results = answer.path("Entries");
        for (int i = 0; i < batch.size(); i++) {
            if (results.path(i).hasNonNull("ErrorCode")) {
                failed.add(batch.get(i));
            }
        }
        // Failures the answer does not say which of: every entry is sent again (a consumer de-duplicates on eventId).
        return failed.size() < failedCount ? batch : failed;
    }

    /** The bus did not take the events. Its message holds only status codes and counts. */
    public static final class PublishFailed extends RuntimeException {

        private static final long serialVersionUID = 1L;
        public PublishFailed(String message) {
            super(message, null, false, false);
        }
    }
}
