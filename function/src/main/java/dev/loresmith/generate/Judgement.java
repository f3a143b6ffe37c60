package dev.loresmith.generate;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.loresmith.Json;
import dev.loresmith.circuit.CallResult;
import dev.loresmith.content.ContentType;
import dev.loresmith.content.ShapeCheck;
import dev.loresmith.llm.CallPlan;
import dev.loresmith.llm.LlmReply;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one call came to, decided without I/O: the verdict (the type's document, or the reason for a fallback), how far
 * the call got, what it means for the circuit, the shared throttle it asks for, the tokens it cost, and whether the
 * endpoint rejected the structured-output field (the flow then degrades and calls again). Every stop reason and every
 * kind of failure has exactly one judgement; the flow applies it in one place.
 *
 * @param call     how far the call got: none made, failed, or answered and judged on its content
 * @param throttle when every instance must hold back (a 429 or a spend-limit answer); empty otherwise
 * @param spent    the tokens the call cost (an unusable answer still costs them)
 */
public record Judgement(Verdict verdict, Outcome.Call call, Optional<Throttle> throttle, LlmReply.Usage spent, boolean schemaRejected) {

    /** A reply wrapped in a Markdown code fence, with or without a language tag. */
    private static final Pattern FENCED = Pattern.compile("^```[a-zA-Z]*\\s*\\n(.*?)\\n?```$", Pattern.DOTALL);

    /** The type's document, or why not. */
    public sealed interface Verdict {
    }

    /** The reply is the type's document; {@code model} is the model id it was requested with. */
    public record Generated(String json, String model) implements Verdict {
    }

    /** {@code detail} is for logs: a stop reason or a list of violated rules, never reply text. */
    public record Failed(FallbackReason reason, String detail) implements Verdict {
    }

    /** What the call means for the circuit: a success, a counted failure, or nothing. */
    public CallResult circuit() {
        return verdict instanceof Failed failed ? failed.reason().circuit() : CallResult.SUCCESS;
    }

    /**
     * Whether the provider itself answered (a 2xx, or an error status), rather than the call failing on the way or never
     * being made: what a spend-limit check needs to hear before it lifts the hold.
     */
    public boolean providerAnswered() {
        if (call == Outcome.Call.ANSWERED) {
            return true;
        }
        if (call == Outcome.Call.NONE || !(verdict instanceof Failed failed)) {
            return false;
        }
        FallbackReason reason = failed.reason();
        return reason.status() > 0 || reason.equals(FallbackReason.UNREADABLE) || reason.equals(FallbackReason.RATE_LIMITED);
    }

    /** No call: the provider's gates turned the request away for {@code reason}. */
    public static Judgement refused(FallbackReason reason) {
        return new Judgement(new Failed(reason, "gate"), Outcome.Call.NONE, Optional.empty(), LlmReply.Usage.NONE, false);
    }

    /**
     * When the provider refused the configured model (see {@link LlmReply.Problem#MODEL_UNAVAILABLE}), what an operator must
     * fix, in our own words; empty otherwise.
     */
    public Optional<String> modelUnavailable() {
        if (!(verdict instanceof Failed failed) || failed.reason().status() == 0 || !failed.detail().startsWith(MODEL_UNAVAILABLE)) {
            return Optional.empty();
        }
        return Optional.of(switch (failed.reason().status()) {
            case 404 -> "404: the provider knows no such model here (a wrong id, or not offered in this region)";
            case 400 -> "400: this model is served only through an inference profile: use its profile id (global., us., eu., ...)";
            default -> failed.reason().status() + ": model access is not enabled, or the function's role may not invoke this model";
        });
    }

    private static final String MODEL_UNAVAILABLE = "model_unavailable";

    /** Too little time was left to make a call ({@code call}: how far the request got before that). */
    public static Judgement noTime(String detail, Outcome.Call call) {
        return new Judgement(new Failed(FallbackReason.NO_TIME, detail), call, Optional.empty(), LlmReply.Usage.NONE, false);
    }

    /**
     * The judgement of {@code reply} to {@code plan}, which ended at {@code finishedAt}. A timeout within less time than
     * the full {@code apiTimeout} — our deadline cut the call short, not the provider's slowness — is {@code no_time},
     * never counted against a healthy provider.
     */
    public static Judgement of(CallPlan plan, LlmReply reply, ContentType type, Instant finishedAt, Throttle.Rules rules,
                               Duration apiTimeout) {
        LlmReply.Usage spent = reply instanceof LlmReply.Answer answer ? answer.usage() : LlmReply.Usage.NONE;
        Outcome.Call call = reply instanceof LlmReply.Answer ? Outcome.Call.ANSWERED : Outcome.Call.FAILED;
        Optional<Throttle> throttle = Optional.empty();
        boolean schemaRejected = false;
        if (reply instanceof LlmReply.HttpError error) {
            if (error.status() == 429 || error.problem() == LlmReply.Problem.SPEND_LIMIT) {
                throttle = rules.after(error, finishedAt);
            }
            schemaRejected = plan.structured() && error.problem() == LlmReply.Problem.STRUCTURED_OUTPUT_REJECTED;
        }
        Verdict verdict;
        if (reply instanceof LlmReply.NetworkError network && network.timedOut() && plan.timeout().compareTo(apiTimeout) < 0) {
            verdict = new Failed(FallbackReason.NO_TIME, "timed out within " + plan.timeout().toMillis() + " ms left by the invocation");
        } else {
            verdict = verdict(reply, type, plan.model());
        }
        return new Judgement(verdict, call, throttle, spent, schemaRejected);
    }

    /**
     * The verdict on one reply. A generated item records the model id it was requested with (the configured id clients
     * and dashboards group by), not the dated snapshot the API echoes back.
     */
    static Verdict verdict(LlmReply reply, ContentType type, String requestedModel) {
        if (reply instanceof LlmReply.Answer answer) {
            return judgeAnswer(answer, type, requestedModel);
        }
        if (reply instanceof LlmReply.HttpError error) {
            if (error.status() == 429 || error.problem() == LlmReply.Problem.SPEND_LIMIT) {
                return new Failed(FallbackReason.RATE_LIMITED, error.problem() == LlmReply.Problem.SPEND_LIMIT ? "spend_limit" : "429");
            }
            if (error.problem() == LlmReply.Problem.STRUCTURED_OUTPUT_REJECTED) {
                return new Failed(FallbackReason.fieldRejected(error.status()), "structured_output_rejected");
            }
            if (error.problem() == LlmReply.Problem.MODEL_UNAVAILABLE) {
                return new Failed(FallbackReason.apiError(error.status()), MODEL_UNAVAILABLE);
            }
            return new Failed(FallbackReason.apiError(error.status()), Integer.toString(error.status()));
        }
        if (reply instanceof LlmReply.NetworkError network) {
            return new Failed(FallbackReason.NETWORK_ERROR, network.problem());
        }
        if (reply instanceof LlmReply.Unsendable unsendable) {
            return new Failed(FallbackReason.NO_CONFIG, unsendable.problem());
        }
        return new Failed(FallbackReason.UNREADABLE, ((LlmReply.Unreadable) reply).problem());
    }

    private static Verdict judgeAnswer(LlmReply.Answer answer, ContentType type, String requestedModel) {
        switch (answer.stopReason()) {
            case "end_turn", "stop_sequence" -> {
                // judged below
            }
            case "max_tokens", "model_context_window_exceeded" -> {
                return new Failed(FallbackReason.TRUNCATED, "stop_reason " + answer.stopReason());
            }
            case "refusal" -> {
                return new Failed(FallbackReason.REFUSED, "stop_reason refusal");
            }
            default -> {
                // tool_use, pause_turn, or a stop reason this code does not know: not what was asked for
                String stop = answer.stopReason().matches("[a-z_]{1,40}") ? answer.stopReason() : "(unknown)";
                return new Failed(FallbackReason.INVALID_JSON, "stop_reason " + stop);
            }
        }
        ShapeCheck check;
        try {
            check = type.check(Json.read(unfence(answer.text())));
        } catch (JsonProcessingException e) {
            return new Failed(FallbackReason.INVALID_JSON, "not JSON");
        }
        if (check instanceof ShapeCheck.Violates v) {
            return new Failed(v.limitsOnly() ? FallbackReason.INVALID_JSON_LIMITS : FallbackReason.INVALID_JSON, v.summary());
        }
        return new Generated(((ShapeCheck.Conforms) check).json(), requestedModel);
    }

    static String unfence(String text) {
        String trimmed = text.strip();
        Matcher fenced = FENCED.matcher(trimmed);
        return fenced.matches() ? fenced.group(1).strip() : trimmed;
    }
}
