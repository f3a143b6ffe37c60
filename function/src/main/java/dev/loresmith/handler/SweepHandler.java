package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;
import dev.loresmith.generate.FollowUpSweep;
import dev.loresmith.log.ErrorSummary;
import dev.loresmith.log.StructuredLog;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * The follow-up sweep. Any event — the one-minute schedule, or the bus rule on {@code CircuitHalfOpen} /
 * {@code CircuitClosed} — requeues stalled pending items and enqueues due upgrades. An operator's {@code {"action": "replay-dead-letters",
 * "limit": N}} re-enqueues dead-lettered items instead (README, "Runbook"). Answers
 * {@code {"action", "enqueued", "skipped"}}.
 */
public final class SweepHandler implements RequestStreamHandler {

    static final String REPLAY = "replay-dead-letters";
    static final int DEFAULT_REPLAY_LIMIT = 100;
    static final int MAX_REPLAY_LIMIT = 1000;
    /** Stalled pending items requeued per sweep, at most. */
    static final int REQUEUE_LIMIT = 100;

    /** What this handler works with; {@link Wiring#sweep} builds it. {@code warmUp}: SnapStart priming, reads only. */
    public record Dependencies(FollowUpSweep sweep, StructuredLog log, Runnable warmUp) {
    }

    private final FollowUpSweep sweep;
    private final StructuredLog log;
    private final Runnable warmUp;

    public SweepHandler() {
        this(Wiring.sweep(AwsOutside.fromEnvironment()));
    }

    public SweepHandler(Dependencies d) {
        this.sweep = d.sweep();
        this.log = d.log();
        this.warmUp = d.warmUp();
        Priming.beforeSnapshot("SweepHandler", this::prime, log);
    }

    /** SnapStart priming: reads of both tables (its role may read both), no query, no message. */
    void prime() {
        warmUp.run();
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        byte[] bytes = input.readNBytes(64 * 1024);
        JsonNode event;
        try {
            event = bytes.length == 0 ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("sweep input is not JSON; expected {} or {\"action\": \"" + REPLAY + "\", \"limit\": N}");
        }
        String action = event.path("action").asText("upgrade");
        FollowUpSweep.Result result;
        if (REPLAY.equals(action)) {
            JsonNode given = event.path("limit");
            if (!given.isMissingNode() && !(given.isIntegralNumber() && given.canConvertToInt())) {
                throw new IllegalArgumentException("limit must be a whole number from 1 to " + MAX_REPLAY_LIMIT);
            }
            int limit = given.asInt(DEFAULT_REPLAY_LIMIT);
            if (limit < 1 || limit > MAX_REPLAY_LIMIT) {
                throw new IllegalArgumentException("limit must be 1 to " + MAX_REPLAY_LIMIT);
            }
            result = run(action, () -> sweep.replayDeadLetters(limit));
        } else if ("upgrade".equals(action)) {
            FollowUpSweep.Result requeued = run(action, () -> sweep.requeueStalled(REQUEUE_LIMIT));
            FollowUpSweep.Result upgraded = run(action, sweep::upgrade);
            result = new FollowUpSweep.Result(requeued.enqueued() + upgraded.enqueued(), upgraded.skipped());
        } else {
            throw new IllegalArgumentException("unknown action; use \"" + REPLAY + "\" or omit it for an upgrade sweep");
        }
        log.info("sweep handled", "requestId", context == null ? "local" : context.getAwsRequestId(), "action", action,
                "trigger", event.path("detail-type").asText(event.path("source").asText("direct")),
                "enqueued", result.enqueued(), "skipped", result.skipped());
        ObjectNode answer = Json.MAPPER.createObjectNode().put("action", action).put("enqueued", result.enqueued());
        answer.put("skipped", result.skipped());
        output.write(Json.write(answer).getBytes(StandardCharsets.UTF_8));
    }

    /** One sweep step; a failure is logged (summary only) and fails the invocation without a foreign message. */
    private FollowUpSweep.Result run(String action, Supplier<FollowUpSweep.Result> step) {
        try {
            return step.get();
        } catch (RuntimeException e) {
            log.error("sweep failed", "action", action, "error", ErrorSummary.of(e));
            throw new InvocationFailed("sweep failed: " + ErrorSummary.of(e));
        }
    }
}
