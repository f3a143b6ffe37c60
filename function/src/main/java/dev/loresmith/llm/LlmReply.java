package dev.loresmith.llm;

/** What came back from one Messages API call, before any judgement about its content. */
public sealed interface LlmReply {

    /** A 2xx answer: the concatenated text blocks, why generation stopped, and token usage. */
    record Answer(String text, String stopReason, String model, Usage usage) implements LlmReply {
    }

    /** A non-2xx HTTP status. */
    record HttpError(int status) implements LlmReply {
    }

    /** A 2xx whose body is not a Messages API response. */
    record Unreadable(String problem) implements LlmReply {
    }

    /** No HTTP answer within the time allowed, or the connection failed. */
    record NetworkError(String problem) implements LlmReply {
    }

    record Usage(long inputTokens, long outputTokens, long cacheCreationInputTokens, long cacheReadInputTokens) {
        public static final Usage NONE = new Usage(0, 0, 0, 0);
    }
}
