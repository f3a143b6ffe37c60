package dev.loresmith.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;
import dev.loresmith.aws.Endpoints;
import dev.loresmith.retry.Retry;
import dev.loresmith.retry.RetryPolicy;
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
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * EventBridge {@code PutEvents}, signed with the SDK's own SigV4 signer and sent over the URL-connection HTTP client
 * like every AWS call. Not the SDK's EventBridge client: that module is 1.9 MB for this one operation and would push
 * the package past its 15 MB budget (docs/PERFORMANCE.md). The endpoint is resolved as the SDK resolves one
 * ({@link Endpoints}: {@code AWS_ENDPOINT_URL_EVENTBRIDGE}, {@code AWS_ENDPOINT_URL}, else the region's).
 *
 * <p>What is tried again, under {@link #RETRY} (jittered exponential back-off) and never past the caller's deadline:
 * a throttled call (429, or a {@code ThrottlingException}-like error code), a 5xx, an I/O error, and the entries an
 * accepted call reports as failed ({@code FailedEntryCount}) — only those. Any other refusal (a missing bus, a
 * denied role) fails at once. Re-sent events keep their {@code eventId}: a consumer de-duplicates on it.
 */
public final class EventBridgePublisher implements EventPublisher {

    static final int MAX_ENTRIES_PER_CALL = 10;
    /**
     * PutEvents takes at most 256 KB of entries per call, each entry counted as its Source, DetailType and Detail
     * in UTF-8 (and Resources, Time: not sent); kept a little under, with the bus name counted too.
     */
    static final int MAX_BYTES_PER_CALL = 250_000;
    /**
     * Up to 8 calls per batch, pausing a random part of 100 ms, 200 ms, ... up to 5 s between them (at most about
     * 16 s in all): long enough to ride out a throttled second, never past the deadline the caller gives.
     */
    public static final RetryPolicy RETRY = RetryPolicy.attempts(8).backoff(Duration.ofMillis(100), Duration.ofSeconds(5)).withJitter();
    /** One call: connecting, and waiting for its answer (normally tens of milliseconds). Together: {@link #CALL_TIME}. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration READ_TIMEOUT = Duration.ofSeconds(8);
    /** The longest one call can take with the timeouts above: a caller's deadline should leave this much. */
    public static final Duration CALL_TIME = CONNECT_TIMEOUT.plus(READ_TIMEOUT);
    /** Error codes that mean "slow down", as the AWS SDKs classify them. */
    private static final Set<String> THROTTLING = Set.of("Throttling", "ThrottlingException", "ThrottledException",
            "RequestThrottledException", "TooManyRequestsException", "RequestThrottled", "RequestLimitExceeded",
            "LimitExceededException", "SlowDown", "ProvisionedThroughputExceededException", "PriorRequestNotComplete");

    private final SdkHttpClient http;
    private final AwsCredentialsProvider credentials;
    private final Region region;
    private final URI endpoint;
    private final String busName;
    private final Retry retry;

    /** {@code retry} holds the policy (normally {@link #RETRY}), the pause and the clock the deadline is read on. */
    public EventBridgePublisher(SdkHttpClient http, AwsCredentialsProvider credentials, Region region, URI endpoint, String busName,
                                Retry retry) {
        this.http = http;
        this.credentials = credentials;
        this.region = region;
        this.endpoint = endpoint;
        this.busName = busName;
        this.retry = retry;
    }

    /** EventBridge's endpoint in {@code region}, unless the SDK's standard endpoint variables name another. */
    public static URI endpoint(Region region, Function<String, String> env) {
        return Endpoints.resolve("EVENTBRIDGE", "events", region, env);
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

    /** Publishes with no deadline: tries again until the retry policy's attempts are spent. */
    @Override
    public void publish(List<DomainEvent> events) {
        publish(events, Instant.MAX);
    }

    @Override
    public void publish(List<DomainEvent> events, Instant deadline) {
        List<Entry> batch = new ArrayList<>();
        int bytes = 0;
        for (DomainEvent event : events) {
            Entry entry = entry(event);
            if (!batch.isEmpty() && (batch.size() == MAX_ENTRIES_PER_CALL || bytes + entry.bytes() > MAX_BYTES_PER_CALL)) {
                send(batch, deadline);
                batch = new ArrayList<>();
                bytes = 0;
            }
            batch.add(entry);
            bytes += entry.bytes();
        }
        if (!batch.isEmpty()) {
            send(batch, deadline);
        }
    }

    /** One batch, sent until every entry is accepted, a refusal that no retry can change, or the policy or deadline ends it. */
    private void send(List<Entry> batch, Instant deadline) {
        AtomicReference<List<Entry>> unsent = new AtomicReference<>(batch);
        retry.<Void>run(deadline, attempt -> {
            List<Entry> entries = unsent.get();
            Call call = putEvents(entries);
            String why;
            if (call instanceof Call.Accepted accepted) {
                if (accepted.failed().isEmpty()) {
                    return Retry.Step.done(null);
                }
                unsent.set(accepted.failed());
                why = accepted.failed().size() + " of " + entries.size() + " entries reported failed";
            } else {
                why = ((Call.Transient) call).problem();
            }
            return Retry.Step.againOrThrow(new PublishFailed(unsent.get().size() + " event(s) not accepted by EventBridge after "
                    + attempt + " attempt(s); last: " + why));
        });
    }

    /** What one PutEvents call came to (a refusal no retry can change is thrown instead). */
    private sealed interface Call {
        /** 2xx: the entries EventBridge reports as failed, to be sent again (empty: all accepted). */
        record Accepted(List<Entry> failed) implements Call {
        }

        /** Throttled, a 5xx or an I/O error: the whole call may be sent again. */
        record Transient(String problem) implements Call {
        }
    }

    /** One PutEvents call. */
    private Call putEvents(List<Entry> batch) {
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
        String errorType;
        try {
            HttpExecuteResponse response = http.prepareRequest(HttpExecuteRequest.builder()
                    .request(signed.request())
                    .contentStreamProvider(signed.payload().orElse(null))
                    .build()).call();
            status = response.httpResponse().statusCode();
            errorType = response.httpResponse().firstMatchingHeader("x-amzn-ErrorType").orElse("");
            try (InputStream in = response.responseBody().map(InputStream.class::cast).orElse(InputStream.nullInputStream())) {
                byte[] bytes = in.readNBytes(1 << 20);
                answer = bytes.length == 0 ? Json.MAPPER.createObjectNode() : Json.read(new String(bytes, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            return new Call.Transient("PutEvents failed (" + e.getClass().getSimpleName() + ")");
        }
        if (status / 100 != 2) {
            String code = errorCode(answer.path("__type").asText(""), errorType);
            String problem = "PutEvents answered " + status + (code.isEmpty() ? "" : " " + code);
            if (status == 429 || status / 100 == 5 || THROTTLING.contains(code)) {
                return new Call.Transient(problem);
            }
            throw new PublishFailed(problem);
        }
        int failedCount = answer.path("FailedEntryCount").asInt(0);
        if (failedCount == 0) {
            return new Call.Accepted(List.of());
        }
        List<Entry> failed = new ArrayList<>();
        JsonNode results = answer.path("Entries");
        for (int i = 0; i < batch.size(); i++) {
            if (results.path(i).hasNonNull("ErrorCode")) {
                failed.add(batch.get(i));
            }
        }
        // Failures the answer does not say which of: every entry is sent again (a consumer de-duplicates on eventId).
        return new Call.Accepted(failed.size() < failedCount ? batch : failed);
    }

    /**
     * AWS's error code — from the body's {@code __type} ({@code "ThrottlingException"}, or with a namespace before a
     * {@code #}) or the {@code x-amzn-ErrorType} header (a {@code :} and more after it) — if it is an identifier;
     * messages are never kept.
     */
    static String errorCode(String type, String header) {
        String code = !type.isEmpty() ? type.substring(type.lastIndexOf('#') + 1)
                : header.contains(":") ? header.substring(0, header.indexOf(':')) : header;
        return code.matches("[A-Za-z0-9._-]{1,100}") ? code : "";
    }

    /** The bus did not take the events. Its message holds only status codes and counts. */
    public static final class PublishFailed extends RuntimeException {

        private static final long serialVersionUID = 1L;
        public PublishFailed(String message) {
            super(message, null, false, false);
        }
    }
}
