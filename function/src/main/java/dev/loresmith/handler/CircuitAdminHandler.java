package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;
import dev.loresmith.circuit.ForcedState;
import dev.loresmith.content.InvalidRequest;
import dev.loresmith.content.RequestParser;
import dev.loresmith.generate.CircuitAdmin;
import dev.loresmith.llm.Provider;
import dev.loresmith.log.ErrorSummary;
import dev.loresmith.log.StructuredLog;

import java.time.Instant;
import java.util.Iterator;
import java.util.Map;

import static dev.loresmith.handler.HttpResponses.error;
import static dev.loresmith.handler.HttpResponses.json;
import static dev.loresmith.handler.HttpResponses.notAllowed;

/**
 * The admin routes, on their own function so an IAM policy can grant them apart from {@code /content}:
 * {@code GET /circuit} shows the circuit; {@code PUT /circuit} with {@code {"state": "open" | "closed" | "auto"}}
 * forces it open, forces it closed, or releases it. Each change is logged with the caller's IAM identity.
 */
public final class CircuitAdminHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    /** What this handler works with; {@link Wiring#circuitAdmin} builds it. {@code warmUp}: SnapStart priming, reads only. */
    public record Dependencies(CircuitAdmin admin, StructuredLog log, Runnable warmUp) {
    }

    private final CircuitAdmin admin;
    private final StructuredLog log;
    private final Runnable warmUp;

    public CircuitAdminHandler() {
        this(Wiring.circuitAdmin(AwsOutside.fromEnvironment()));
    }

    public CircuitAdminHandler(Dependencies d) {
        this.admin = d.admin();
        this.log = d.log();
        this.warmUp = d.warmUp();
        Priming.beforeSnapshot("CircuitAdminHandler", this::prime, log);
    }

    /** SnapStart priming: a read of the circuit table and a status rendered; nothing written. */
    void prime() {
        warmUp.run();
        view(admin.status());
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        String method = HttpResponses.method(event);
        String path = event.getRawPath() == null ? "" : event.getRawPath().replaceAll("/+$", "");
        String requestId = context == null ? "local" : context.getAwsRequestId();
        try {
            if (!path.equals("/circuit")) {
                return error(404, "no such route", null);
            }
            return switch (method) {
                case "GET" -> json(200, view(admin.status()), Map.of());
                case "PUT" -> {
                    Force force = force(HttpResponses.body(event));
                    yield json(200, view(admin.force(force.provider(), force.state(), HttpResponses.caller(event))), Map.of());
                }
                default -> notAllowed("GET, PUT");
            };
        } catch (InvalidRequest e) {
            log.info("admin request rejected", "requestId", requestId, "field", e.field(), "reason", e.getMessage(),
                    "caller", HttpResponses.caller(event));
            return error(400, e.getMessage(), e.field());
        } catch (RuntimeException e) {
            log.error("admin request failed", "requestId", requestId, "error", ErrorSummary.of(e));
            return error(500, "internal error; retry later", null);
        }
    }

    /** A forced state and the provider it is for: {@code {"state": ..., "provider"?: ...}}. */
    record Force(ForcedState state, Provider provider) {
    }

    /**
     * {@code {"state": "open" | "closed" | "auto", "provider": "anthropic" | "bedrock"}}, nothing else; without
     * {@code provider}, the first in preference order.
     */
    Force force(String body) {
        ObjectNode root = RequestParser.parseObject(body);
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("state") && !name.equals("provider")) {
                String shown = name.matches("[A-Za-z0-9_]{1,64}") ? name : "(unprintable field name)";
                throw new InvalidRequest(shown, "unknown field '" + shown + "'; expected state, provider");
            }
        }
        JsonNode state = root.get("state");
        if (state == null || !state.isTextual()) {
            throw new InvalidRequest("state", "state is required: \"open\", \"closed\" or \"auto\"");
        }
        ForcedState forced = switch (state.asText()) {
            case "open" -> ForcedState.OPEN;
            case "closed" -> ForcedState.CLOSED;
            case "auto" -> ForcedState.NONE;
            default -> throw new InvalidRequest("state", "state must be \"open\", \"closed\" or \"auto\"");
        };
        JsonNode provider = root.get("provider");
        if (provider == null || provider.isNull()) {
            return new Force(forced, admin.defaultProvider());
        }
        Provider named = provider.isTextual() ? Provider.fromWireName(provider.asText()).orElse(null) : null;
        if (named == null) {
            throw new InvalidRequest("provider", "provider must be \"anthropic\" or \"bedrock\"");
        }
        return new Force(forced, named);
    }

    /**
     * Every configured provider's circuit under {@code providers}, in preference order; the first provider's fields also
     * at the top level (as this answer read before there was a second provider), with the shared budget and every
     * problem found.
     */
    static ObjectNode view(CircuitAdmin.Status status) {
        ObjectNode view = Json.MAPPER.createObjectNode();
        view.setAll(providerView(status.primary()));
        ObjectNode budget = view.putObject("budget");
        if (status.budget().isPresent()) {
            budget.put("tokensPerDay", status.budget().getAsLong());
            budget.put("used", status.budgetUsed());
            budget.put("left", Math.max(0, status.budget().getAsLong() - status.budgetUsed()));
        } else {
            budget.putNull("tokensPerDay");
            budget.put("used", status.budgetUsed());
        }
        ArrayNode problems = view.putArray("configProblems");
        status.problems().forEach(p -> problems.add(p.item() + ": " + p.problem()));
        ArrayNode providers = view.putArray("providers");
        status.providers().forEach(p -> providers.add(providerView(p)));
        return view;
    }

    private static ObjectNode providerView(CircuitAdmin.ProviderStatus status) {
        ObjectNode view = Json.MAPPER.createObjectNode();
        view.put("provider", status.provider().wireName());
        view.put("state", status.circuit().effective().wireName());
        view.put("storedState", status.circuit().state().wireName());
        view.put("forced", status.circuit().forced() == ForcedState.NONE ? "auto" : status.circuit().forced().wireName());
        view.put("failuresInWindow", status.failuresInWindow());
        view.put("generation", status.circuit().generation());
        view.put("openedAt", time(status.circuit().openedAt()));
        view.put("resetDueAt", time(status.resetDueAt()));
        view.put("probeUntil", time(status.circuit().probeUntil()));
        view.put("throttledUntil", time(status.throttledUntil()));
        view.put("throttleReason", status.throttleReason());
        view.put("version", status.circuit().version());
        return view;
    }

    private static String time(Instant t) {
        return t == null ? null : t.toString();
    }
}
