package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.content.ContentId;
import dev.loresmith.content.ContentKey;
import dev.loresmith.content.ContentRequest;
import dev.loresmith.content.ContentType;
import dev.loresmith.content.ContentTypes;
import dev.loresmith.content.InvalidRequest;
import dev.loresmith.content.RequestParser;
import dev.loresmith.generate.FallbackReason;
import dev.loresmith.generate.RequestContent;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.log.ErrorSummary;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.metrics.GenerationMetrics;
import dev.loresmith.storage.ContentStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.loresmith.handler.HttpResponses.error;
import static dev.loresmith.handler.HttpResponses.json;
import static dev.loresmith.handler.HttpResponses.notAllowed;

/**
 * The content routes of the HTTP API (API Gateway HTTP API, payload 2.0):
 * <ul>
 *   <li>{@code POST /content} — validates, records the item, enqueues it: 202 with its URL. An item already
 *       ready: 200 with it. {@code "wait": true} then watches the item until the queue's worker has finished it
 *       (200), or answers 202 with its URL when that takes longer than the API may wait.</li>
 *   <li>{@code GET /content/{contentType}/{contentId}} — the item, or 404.</li>
 * </ul>
 * Bad input: 400 {@code {"error", "field"}}, and nothing is written. This function never calls the model.
 */
public final class ApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    /** API Gateway ends an HTTP API integration at 30 s; a waiting request must answer before that. */
    static final Duration WAIT_LIMIT = Duration.ofSeconds(27);
    /** Kept back from the invocation's remaining time to write the answer. */
    static final Duration ANSWER_MARGIN = Duration.ofSeconds(1);

    /** What this handler works with; {@link Wiring#api} builds it. {@code warmUp}: SnapStart priming, reads only. */
    public record Dependencies(ContentTypes types, RequestParser parser, ContentStore contents, RequestContent requests, Clock clock,
                               StructuredLog log, GenerationMetrics metrics, Runnable warmUp) {
    }

    private final ContentTypes types;
    private final RequestParser parser;
    private final ContentStore contents;
    private final RequestContent requests;
    private final Clock clock;
    private final StructuredLog log;
    private final GenerationMetrics metrics;
    private final Runnable warmUp;

    public ApiHandler() {
        this(Wiring.api(AwsOutside.fromEnvironment()));
    }

    public ApiHandler(Dependencies d) {
        this.types = d.types();
        this.parser = d.parser();
        this.contents = d.contents();
        this.requests = d.requests();
        this.clock = d.clock();
        this.log = d.log();
        this.metrics = d.metrics();
        this.warmUp = d.warmUp();
        Priming.beforeSnapshot("ApiHandler", this::prime, log);
    }

    /** SnapStart priming: the content warm-up, then a rejected request through routing and error rendering. */
    void prime() {
        warmUp.run();
        APIGatewayV2HTTPEvent probe = new APIGatewayV2HTTPEvent();
        probe.setRawPath("/content");
        probe.setBody("{\"contentType\":\"\"}");
        APIGatewayV2HTTPEvent.RequestContext.Http http = new APIGatewayV2HTTPEvent.RequestContext.Http();
        http.setMethod("POST");
        APIGatewayV2HTTPEvent.RequestContext requestContext = new APIGatewayV2HTTPEvent.RequestContext();
        requestContext.setHttp(http);
        probe.setRequestContext(requestContext);
        handle(probe, "priming", Duration.ofSeconds(1));
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return handle(event, context.getAwsRequestId(), Duration.ofMillis(context.getRemainingTimeInMillis()));
    }

    /**
     * {@code remaining}: the invocation's time at entry. Every deadline is fixed from it now, before any call: the answer
     * is due {@link #ANSWER_MARGIN} before the function's timeout, and a wait ends {@link #WAIT_LIMIT} after entry at the
     * latest — however long the item's write and the enqueue took.
     */
    private APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, String requestId, Duration remaining) {
        Instant entry = clock.instant();
        Instant answerBy = entry.plus(remaining).minus(ANSWER_MARGIN);
        Instant waitUntil = entry.plus(WAIT_LIMIT).isBefore(answerBy) ? entry.plus(WAIT_LIMIT) : answerBy;
        String method = HttpResponses.method(event);
        String path = event.getRawPath() == null ? "" : event.getRawPath();
        String[] segments = path.replaceAll("^/+|/+$", "").split("/", -1);
        try {
            if (segments.length == 1 && segments[0].equals("content")) {
                return "POST".equals(method) ? post(event, requestId, answerBy, waitUntil) : notAllowed("POST");
            }
            if (segments.length == 3 && segments[0].equals("content")) {
                return "GET".equals(method) ? get(segments[1], segments[2]) : notAllowed("GET");
            }
            return error(404, "no such route", null);
        } catch (InvalidRequest e) {
            log.info("request rejected", "requestId", requestId, "method", method, "field", e.field(), "reason", e.getMessage());
            return error(400, e.getMessage(), e.field());
        } catch (RuntimeException e) {
            log.error("request failed", "requestId", requestId, "method", method, "error", ErrorSummary.of(e));
            return error(500, "internal error; retry later", null);
        }
    }

    private APIGatewayV2HTTPResponse post(APIGatewayV2HTTPEvent event, String requestId, Instant answerBy, Instant waitUntil) {
        ObjectNode body = RequestParser.parseObject(HttpResponses.body(event));
        JsonNode waitField = body.remove("wait");
        if (waitField != null && !waitField.isBoolean()) {
            throw new InvalidRequest("wait", "wait must be true or false");
        }
        boolean wait = waitField != null && waitField.booleanValue();
        ContentRequest request = parser.parse(body, List.of("wait"));
        RequestContent.Accepted accepted = requests.accept(request, answerBy);
        ContentItem item = accepted.item();
        log.info("content requested", "requestId", requestId, "contentType", request.type().name(),
                "contentId", request.id().toString(), "status", item.status().wireName(), "queued", accepted.queued(), "wait", wait);
        if (item.status() == ContentStatus.READY) {
            return json(200, ContentView.of(item, request.type()), Map.of());
        }
        if (!accepted.queued()) {
            // An upgrade is owed by this request only if it wrote the fallback (an item with text keeps it, and its debt).
            boolean wroteFallback = FallbackReason.NOT_QUEUED.model().equals(item.model()) && item.generatedAt() != null
                    && !item.generatedAt().isBefore(accepted.at());
            metrics.fallbackOutsideTheFlow(request.type().name(), FallbackReason.NOT_QUEUED.code(), wroteFallback && GenerationMetrics.owesUpgrade(item));
            if (wait && item.textIfFinished().isPresent()) {
                return json(200, ContentView.of(item, request.type()), Map.of()); // the fallback, at once: the player never waits
            }
            ObjectNode answer = ContentView.of(item, request.type()).put("error", "could not queue the request; the item holds its fallback; retry later");
            return json(503, answer, Map.of("location", ContentView.path(item)));
        }
        if (wait) {
            ContentItem settled = requests.await(accepted, waitUntil);
            if (RequestContent.settled(settled, accepted.at(), clock.instant())) {
                return json(200, ContentView.of(settled, request.type()), Map.of("location", ContentView.path(settled)));
            }
            item = settled; // still being generated: it will finish without the client asking again
        }
        return json(202, ContentView.of(item, request.type()), Map.of("location", ContentView.path(item)));
    }

    private APIGatewayV2HTTPResponse get(String typeName, String id) {
        ContentType type = types.find(typeName)
                .orElseThrow(() -> new InvalidRequest("contentType", "unknown contentType; registered types are " + types.names()));
        ContentId contentId;
        try {
            contentId = ContentId.parse(id);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequest("contentId", "contentId " + e.getMessage());
        }
        return contents.find(new ContentKey(typeName, contentId))
                .map(item -> json(200, ContentView.of(item, type), Map.of()))
                .orElseGet(() -> error(404, "no content item " + typeName + "/" + contentId, null));
    }
}
