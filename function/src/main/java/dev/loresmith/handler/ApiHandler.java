package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;
import dev.loresmith.content.ContentId;
import dev.loresmith.content.ContentItem;
import dev.loresmith.content.ContentKey;
import dev.loresmith.content.ContentRequest;
import dev.loresmith.content.ContentStatus;
import dev.loresmith.content.ContentTypes;
import dev.loresmith.content.InvalidRequest;
import dev.loresmith.content.RequestParser;
import dev.loresmith.generate.FallbackReason;
import dev.loresmith.generate.GenerateContent;
import dev.loresmith.generate.Outcome;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.metrics.GenerationMetrics;
import dev.loresmith.queue.RequestQueue;
import dev.loresmith.storage.ContentStore;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The HTTP API (API Gateway HTTP API, payload 2.0):
 * <ul>
 *   <li>{@code POST /content} — validates, marks the item requested, enqueues it: 202 with its URL.
 *       An item already ready: 200 with it. {@code "wait": true} runs the flow in the request instead.</li>
 *   <li>{@code GET /content/{contentType}/{contentId}} — the item, or 404.</li>
 * </ul>
 * Bad input: 400 {@code {"error", "field"}}, and nothing is written.
 */
public final class ApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    private final Services services;

    /** API Gateway ends an HTTP API integration at 30 s; a waiting request must answer before that. */
    static final Duration WAIT_LIMIT = Duration.ofSeconds(28);

    private final ContentTypes types;
    private final RequestParser parser;
    private final ContentStore contents;
    private final GenerateContent generate;
    private final Supplier<RequestQueue> queue;
    private final Clock clock;
    private final StructuredLog log;
    private final GenerationMetrics metrics;

    public ApiHandler() {
        this(Services.fromEnvironment());
    }

    public ApiHandler(Services services) {
        this.types = services.types();
        this.parser = services.parser();
        this.contents = services.tables();
        this.generate = services.generate();
        services.queue(); // fails fast here, not at the first request, if QUEUE_URL is missing
        this.queue = services::queue;
        this.clock = services.clock();
        this.log = services.log();
        this.metrics = services.metrics();
        this.services = services;
        Priming.beforeSnapshot("ApiHandler", this::prime, services.log());
    }

    /** SnapStart priming: the shared warm-up, then a rejected request through routing and error rendering. */
    void prime() {
        services.warmUp();
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

    private APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, String requestId, Duration remaining) {
        String method = event.getRequestContext() == null || event.getRequestContext().getHttp() == null
                ? "" : event.getRequestContext().getHttp().getMethod();
        String path = event.getRawPath() == null ? "" : event.getRawPath();
        String[] segments = path.replaceAll("^/+|/+$", "").split("/", -1);
        try {
            if (segments.length == 1 && segments[0].equals("content")) {
                return "POST".equals(method) ? post(event, requestId, remaining) : notAllowed("POST");
            }
            if (segments.length == 3 && segments[0].equals("content")) {
                return "GET".equals(method) ? get(segments[1], segments[2]) : notAllowed("GET");
            }
            return error(404, "no route for " + method + " " + truncate(path), null);
        } catch (InvalidRequest e) {
            log.info("request rejected", "requestId", requestId, "method", method,
                    "field", e.field(), "reason", e.getMessage());
            return error(400, e.getMessage(), e.field());
        } catch (RuntimeException e) {
            log.error("request failed", "requestId", requestId, "method", method,
                    "error", e.getClass().getSimpleName(), "detail", e.getMessage());
            return error(500, "internal error; retry later", null);
        }
    }

    private APIGatewayV2HTTPResponse post(APIGatewayV2HTTPEvent event, String requestId, Duration remaining) {
        ObjectNode body = RequestParser.parseObject(body(event));
        JsonNode waitField = body.remove("wait");
        if (waitField != null && !waitField.isBoolean()) {
            throw new InvalidRequest("wait", "wait must be true or false");
        }
        ContentRequest request = parser.parse(body);
        Instant now = clock.instant();
        ContentItem item = contents.request(request.key(), now);
        if (item.status() == ContentStatus.READY) {
            return json(200, ContentView.of(item), Map.of());
        }
        if (waitField != null && waitField.booleanValue()) {
            Instant deadline = now.plus(remaining.compareTo(WAIT_LIMIT) < 0 ? remaining : WAIT_LIMIT);
            Outcome outcome = generate.generate(request, deadline);
            OutcomeReport.log(log, metrics, requestId, null, request, outcome, Duration.between(now, clock.instant()));
            ContentItem written = outcome.item();
            int status = written.status() == ContentStatus.PENDING ? 202 : 200;
            return json(status, ContentView.of(written), Map.of("location", ContentView.path(written)));
        }
        try {
            queue.get().send(Json.write(canonical(request)));
        } catch (RuntimeException e) {
            // Nothing will generate it: give the item its fallback now rather than leave it pending.
            log.error("enqueue failed", "requestId", requestId, "contentType", request.type().name(),
                    "contentId", request.id().toString(), "error", e.getClass().getSimpleName());
            contents.finishIfPending(item.finished(ContentStatus.FAILED, request.type().fallbackFor(request.id()),
                    FallbackReason.NOT_QUEUED.model(), clock.instant()));
            return error(503, "could not queue the request; the item holds its fallback; retry later", null);
        }
        log.info("content requested", "requestId", requestId, "contentType", request.type().name(),
                "contentId", request.id().toString(), "status", item.status().wireName());
        return json(202, ContentView.of(item), Map.of("location", ContentView.path(item)));
    }

    private APIGatewayV2HTTPResponse get(String typeName, String id) {
        if (types.find(typeName).isEmpty()) {
            throw new InvalidRequest("contentType", "unknown contentType; registered types are " + types.names());
        }
        ContentId contentId;
        try {
            contentId = ContentId.parse(id);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequest("contentId", "contentId " + e.getMessage());
        }
        return contents.find(new ContentKey(typeName, contentId))
                .map(item -> json(200, ContentView.of(item), Map.of()))
                .orElseGet(() -> error(404, "no content item " + typeName + "/" + contentId, null));
    }

    /** The message the generate function reads: the request as parsed, in its canonical form. */
    private static ObjectNode canonical(ContentRequest request) {
        ObjectNode message = Json.MAPPER.createObjectNode();
        message.put("contentType", request.type().name());
        message.put("contentId", request.id().toBigInteger());
        if (!request.context().isNull()) {
            message.set("context", request.context());
        }
        return message;
    }

    private static String body(APIGatewayV2HTTPEvent event) {
        String body = event.getBody();
        if (body == null || !event.getIsBase64Encoded()) {
            return body;
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequest("body", "request body is not valid base64");
        }
        if (bytes.length > RequestParser.MAX_BODY_BYTES) {
            throw new InvalidRequest("body", "request body exceeds " + RequestParser.MAX_BODY_BYTES + " bytes");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidRequest("body", "request body is not valid UTF-8");
        }
    }

    private static APIGatewayV2HTTPResponse notAllowed(String allowed) {
        APIGatewayV2HTTPResponse response = error(405, "method not allowed; use " + allowed, null);
        response.getHeaders().put("allow", allowed);
        return response;
    }

    private static APIGatewayV2HTTPResponse error(int status, String message, String field) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("error", message);
        if (field != null) {
            body.put("field", field);
        }
        return json(status, body, Map.of());
    }

    private static APIGatewayV2HTTPResponse json(int status, ObjectNode body, Map<String, String> headers) {
        Map<String, String> all = new java.util.HashMap<>(headers);
        all.put("content-type", "application/json");
        return APIGatewayV2HTTPResponse.builder().withStatusCode(status).withHeaders(all).withBody(Json.write(body)).build();
    }

    private static String truncate(String path) {
        return path.length() > 100 ? path.substring(0, 100) + "…" : path;
    }
}
