package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.Json;
import dev.loresmith.generate.ResetCircuit;
import dev.loresmith.llm.Provider;
import dev.loresmith.log.ErrorSummary;
import dev.loresmith.log.StructuredLog;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Target of the circuit-reset schedules. Input {@code {"generation": g}}; output
 * {@code {"generation": g, "result": "half_opened" | "stale"}}. Input that is not a generation is
 * rejected with an error (the invocation fails, nothing changes).
 */
public final class ResetHandler implements RequestStreamHandler {

    private static final int MAX_INPUT_BYTES = 4096;

    /** What this handler works with; {@link Wiring#reset} builds it. {@code warmUp}: SnapStart priming, reads only. */
    public record Dependencies(ResetCircuit reset, StructuredLog log, Runnable warmUp) {
    }

    private final ResetCircuit reset;
    private final StructuredLog log;
    private final Runnable warmUp;

    public ResetHandler() {
        this(Wiring.reset(AwsOutside.fromEnvironment()));
    }

    public ResetHandler(Dependencies d) {
        this.reset = d.reset();
        this.log = d.log();
        this.warmUp = d.warmUp();
        Priming.beforeSnapshot("ResetHandler", this::prime, log);
    }

    /** SnapStart priming: what the first reset needs, reading only the circuit table (all its role may read). */
    void prime() {
        warmUp.run();
        input("{\"provider\":\"anthropic\",\"generation\":0}".getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        Reset request = input(input.readNBytes(MAX_INPUT_BYTES + 1));
        long generation = request.generation();
        ResetCircuit.Result result;
        try {
            result = reset.reset(request.provider(), generation);
        } catch (RuntimeException e) {
            // Lambda retries this asynchronous invocation twice; after that an overdue circuit is probed by requests.
            log.error("circuit reset failed", "requestId", context.getAwsRequestId(), "provider", request.provider().wireName(),
                    "generation", generation, "error", ErrorSummary.of(e));
            throw new InvocationFailed("circuit reset failed: " + ErrorSummary.of(e));
        }
        log.info("circuit reset handled", "requestId", context.getAwsRequestId(), "provider", request.provider().wireName(),
                "generation", generation, "result", result.name().toLowerCase(Locale.ROOT));
        output.write(Json.write(Json.MAPPER.createObjectNode()
                .put("provider", request.provider().wireName())
                .put("generation", generation)
                .put("result", result.name().toLowerCase(Locale.ROOT))).getBytes(StandardCharsets.UTF_8));
    }

    /** Which opening of which provider's circuit a schedule resets. */
    record Reset(Provider provider, long generation) {
    }

    /**
     * The schedule's input {@code {"provider": "anthropic" | "bedrock", "generation": g}}; without {@code provider} (a
     * schedule created before there was a second provider), Anthropic's.
     */
    static Reset input(byte[] input) {
        if (input.length > MAX_INPUT_BYTES) {
            throw new IllegalArgumentException("reset input exceeds " + MAX_INPUT_BYTES + " bytes; expected " + EXPECTED);
        }
        JsonNode root;
        try {
            root = Json.read(new String(input, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("reset input is not JSON; expected " + EXPECTED);
        }
        JsonNode generation = root == null ? null : root.get("generation");
        if (generation == null || !generation.canConvertToLong() || !generation.isIntegralNumber() || generation.longValue() < 0) {
            throw new IllegalArgumentException("reset input field 'generation' must be a non-negative integer");
        }
        JsonNode provider = root.get("provider");
        if (provider == null || provider.isNull()) {
            return new Reset(Provider.ANTHROPIC, generation.longValue());
        }
        Provider named = provider.isTextual() ? Provider.fromWireName(provider.asText()).orElse(null) : null;
        if (named == null) {
            throw new IllegalArgumentException("reset input field 'provider' must be \"anthropic\" or \"bedrock\"");
        }
        return new Reset(named, generation.longValue());
    }

    private static final String EXPECTED = "{\"provider\": \"anthropic\" | \"bedrock\", \"generation\": <integer>}";
}
