package dev.loresmith.generate;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.loresmith.Json;
import dev.loresmith.content.ContentType;
import dev.loresmith.llm.LlmReply;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Decides what an API reply is worth: the type's JSON, or the reason for a fallback. */
final class ReplyJudge {

    /** A reply wrapped in a Markdown code fence, with or without a language tag. */
    private static final Pattern FENCED = Pattern.compile("^```[a-zA-Z]*\\s*\\n(.*?)\\n?```$", Pattern.DOTALL);

    sealed interface Verdict {
    }

    record Generated(String json, String model, LlmReply.Usage usage) implements Verdict {
    }

    record Failed(FallbackReason reason) implements Verdict {
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
            return new Failed(error.status() == 429 ? FallbackReason.RATE_LIMITED : FallbackReason.apiError(error.status()));
        }
        if (reply instanceof LlmReply.NetworkError) {
            return new Failed(FallbackReason.NETWORK_ERROR);
        }
        return new Failed(FallbackReason.INVALID_JSON); // Unreadable
    }

    private static Verdict judgeAnswer(LlmReply.Answer answer, ContentType type, String requestedModel) {
        if ("max_tokens".equals(answer.stopReason())) {
            return new Failed(FallbackReason.INVALID_JSON); // truncated: even if it parses, it is not what was asked
        }
        try {
            return type.conform(Json.read(unfence(answer.text())))
                    .<Verdict>map(json -> new Generated(json, requestedModel, answer.usage()))
                    .orElse(new Failed(FallbackReason.INVALID_JSON));
        } catch (JsonProcessingException e) {
            return new Failed(FallbackReason.INVALID_JSON);
        }
    }

    static String unfence(String text) {
        String trimmed = text.strip();
        Matcher fenced = FENCED.matcher(trimmed);
        return fenced.matches() ? fenced.group(1).strip() : trimmed;
    }
}
