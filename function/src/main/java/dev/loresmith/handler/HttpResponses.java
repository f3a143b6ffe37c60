package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;
import dev.loresmith.content.InvalidRequest;
import dev.loresmith.content.RequestParser;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/** The HTTP handlers' shared vocabulary: JSON answers, errors naming a field, the body as text. */
final class HttpResponses {

    private HttpResponses() {
    }

    static APIGatewayV2HTTPResponse json(int status, ObjectNode body, Map<String, String> headers) {
        Map<String, String> all = new HashMap<>(headers);
        all.put("content-type", "application/json");
        return APIGatewayV2HTTPResponse.builder().withStatusCode(status).withHeaders(all).withBody(Json.write(body)).build();
    }

    static APIGatewayV2HTTPResponse error(int status, String message, String field) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("error", message);
        if (field != null) {
            body.put("field", field);
        }
        return json(status, body, Map.of());
    }

    static APIGatewayV2HTTPResponse notAllowed(String allowed) {
        APIGatewayV2HTTPResponse response = error(405, "method not allowed; use " + allowed, null);
        response.getHeaders().put("allow", allowed);
        return response;
    }

    static String method(APIGatewayV2HTTPEvent event) {
        return event.getRequestContext() == null || event.getRequestContext().getHttp() == null
                || event.getRequestContext().getHttp().getMethod() == null ? "" : event.getRequestContext().getHttp().getMethod();
    }

    /** The request body as text: base64 bodies decoded, bounded, and refused unless valid UTF-8. */
    static String body(APIGatewayV2HTTPEvent event) {
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

    /** The caller's IAM identity (IAM authorization): user ARN, else caller id, else "unknown". */
    static String caller(APIGatewayV2HTTPEvent event) {
        APIGatewayV2HTTPEvent.RequestContext context = event.getRequestContext();
        if (context == null || context.getAuthorizer() == null || context.getAuthorizer().getIam() == null) {
            return "unknown";
        }
        APIGatewayV2HTTPEvent.RequestContext.IAM iam = context.getAuthorizer().getIam();
        String who = iam.getUserArn() != null ? iam.getUserArn() : iam.getCallerId();
        // An assumed-role ARN with a role path can run past a thousand characters; IAM names use only these.
        return who == null || !who.matches("[A-Za-z0-9:/_+=,.@-]{1,2048}") ? "unknown" : who;
    }
}
