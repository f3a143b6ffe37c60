package dev.loresmith.local;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiFunction;

/**
 * The local stand-in for the HTTP API: routes each request as API Gateway would — by the template's routes
 * ({@link HttpRoutes}); no match is API Gateway's own {@code 404 {"message":"Not Found"}} — turns it into the
 * {@link APIGatewayV2HTTPEvent} API Gateway sends (payload format 2.0, with the route key and path parameters; a body
 * that is not UTF-8 arrives base64-encoded, as API Gateway sends binary bodies), runs the function's handler and writes
 * its response back. There is no IAM authorization locally: the event carries a local caller identity instead.
 */
final class HttpApiAdapter implements HttpHandler {

    /** One function's handler, as API Gateway invokes it. */
    @FunctionalInterface
    interface RouteHandler extends BiFunction<APIGatewayV2HTTPEvent, Context, APIGatewayV2HTTPResponse> {
    }

    /**
     * API Gateway takes payloads up to 10 MB; locally a body over 1 MiB is refused at once with 413 (the content
     * handler's own limit, 16 KiB, answers 400 naming the field).
     */
    static final int MAX_BODY = 1 << 20;

    private final HttpRoutes routes;
    private final Map<String, RouteHandler> functions;
    private final Map<String, Integer> timeoutSeconds;

    /** {@code functions}: each routed function's handler by logical id; {@code timeoutSeconds}: each one's Timeout. */
    HttpApiAdapter(HttpRoutes routes, Map<String, RouteHandler> functions, Map<String, Integer> timeoutSeconds) {
        this.routes = routes;
        this.functions = Map.copyOf(functions);
        this.timeoutSeconds = Map.copyOf(timeoutSeconds);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readNBytes(MAX_BODY + 1);
            }
            Optional<HttpRoutes.Match> match = routes.find(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath());
            if (match.isEmpty() || !functions.containsKey(match.get().route().function())) {
                respond(exchange, 404, Map.of("content-type", "application/json"), HttpRoutes.NOT_FOUND);
                return;
            }
            if (body.length > MAX_BODY) {
                respond(exchange, 413, Map.of("content-type", "application/json"), "{\"error\":\"request body too large\",\"field\":\"body\"}");
                return;
            }
            String function = match.get().route().function();
            APIGatewayV2HTTPResponse response = functions.get(function).apply(event(exchange, body, match.get()),
                    new LocalContext(function, timeoutSeconds.get(function)));
            respond(exchange, response.getStatusCode(), response.getHeaders() == null ? Map.of() : response.getHeaders(),
                    response.getBody() == null ? "" : response.getBody());
        }
    }

    static APIGatewayV2HTTPEvent event(HttpExchange exchange, byte[] body, HttpRoutes.Match match) {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        Map<String, String> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
        APIGatewayV2HTTPEvent.RequestContext.Http http = new APIGatewayV2HTTPEvent.RequestContext.Http();
        http.setMethod(method);
        http.setPath(path);
        http.setProtocol(exchange.getProtocol());
        http.setSourceIp(exchange.getRemoteAddress().getAddress().getHostAddress());
        APIGatewayV2HTTPEvent.RequestContext context = new APIGatewayV2HTTPEvent.RequestContext();
        context.setHttp(http);
        APIGatewayV2HTTPEvent.RequestContext.IAM iam = new APIGatewayV2HTTPEvent.RequestContext.IAM();
        iam.setUserArn("arn:aws:iam::000000000000:user/local");
        APIGatewayV2HTTPEvent.RequestContext.Authorizer authorizer = new APIGatewayV2HTTPEvent.RequestContext.Authorizer();
        authorizer.setIam(iam);
        context.setAuthorizer(authorizer);
        context.setRequestId(UUID.randomUUID().toString());
        context.setRouteKey(match.route().key());
        context.setStage("$default");
        context.setTimeEpoch(System.currentTimeMillis());
        APIGatewayV2HTTPEvent event = new APIGatewayV2HTTPEvent();
        event.setVersion("2.0");
        event.setRouteKey(match.route().key());
        if (!match.pathParameters().isEmpty()) {
            event.setPathParameters(match.pathParameters());
        }
        event.setRawPath(path);
        event.setRawQueryString(exchange.getRequestURI().getRawQuery() == null ? "" : exchange.getRequestURI().getRawQuery());
        event.setHeaders(headers);
        event.setRequestContext(context);
        if (body.length > 0) {
            try {
                event.setBody(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString());
                event.setIsBase64Encoded(false);
            } catch (CharacterCodingException e) {
                event.setBody(Base64.getEncoder().encodeToString(body));
                event.setIsBase64Encoded(true);
            }
        }
        return event;
    }

    private static void respond(HttpExchange exchange, int status, Map<String, String> headers, String body) throws IOException {
        headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
