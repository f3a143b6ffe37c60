package dev.loresmith.generate;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.loresmith.Json;
import dev.loresmith.content.ContentType;
import dev.loresmith.content.ShapeCheck;
import dev.loresmith.llm.LlmReply;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Decides what an API reply is worth: the type's JSON, or the reason for a fallback. Every stop reason has an outcome. */
final class ReplyJudge {

    /** A reply wrapped in a Markdown code fence, with or without a language tag. */
    private static final Pattern FENCED = Pattern.compile("^```[a-zA-Z]*\\s*\\n(.*?)\\n?```$", Pattern.DOTALL);

    sealed interface Verdict {
    }

    record Generated(String json, String model, LlmReply.Usage usage) implements Verdict {
    }

    /** {@code detail} is for logs: a stop reason or a list of violated rules, never reply text. */
    record Failed(FallbackReason reason, String detail) implements Verdict {
    }

    private ReplyJudge() {
    }

    /**
     * The verdict on one reply. A generated item records the model id it was requested with (the
     * configured id clients and dashboards group by), not the dated snapshot the API echoes back.
     */
    static Verdict judge(LlmReply reply, ContentType type, String requestedModel) {
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
        return new Generated(((ShapeCheck.Conforms) check).json(), requestedModel, answer.usage());
    }

    static String unfence(String text) {
        String trimmed = text.strip();
        Matcher fenced = FENCED.matcher(trimmed);
        return fenced.matches() ? fenced.group(1).strip() : trimmed;
    }
}
