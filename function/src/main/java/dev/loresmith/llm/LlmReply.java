package dev.loresmith.llm;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** What came back from one Messages API call, before any judgement about its content. */
public sealed interface LlmReply {

    /** A 2xx answer: the text blocks joined, why generation stopped, and token usage. */
    record Answer(String text, String stopReason, String model, Usage usage) implements LlmReply {
    }

    /**
     * A non-2xx HTTP status, with what the response said that the flow acts on. The error message text is
     * never kept: it may quote the request.
     */
    record HttpError(int status, Problem problem, RetryAfter retryAfter) implements LlmReply {
        public HttpError(int status) {
            this(status, Problem.OTHER, RetryAfter.NONE);
        }
    }

    /** A 2xx whose body is not a Messages API response. */
    record Unreadable(String problem) implements LlmReply {
    }

    /**
     * No HTTP answer within the time allowed ({@code timedOut}), or the connection failed or broke. {@code problem}
     * is for logs: our own words or an exception's class, never a foreign message.
     */
    record NetworkError(boolean timedOut, String problem) implements LlmReply {

        public static NetworkError timedOutAfter(Duration timeout) {
            return new NetworkError(true, "timed out after " + timeout.toMillis() + " ms");
        }

        public static NetworkError failed(String problem) {
            return new NetworkError(false, problem);
        }
    }

    /** The request could not be sent as built (a key HTTP headers cannot carry). Nothing reached the API. */
    record Unsendable(String problem) implements LlmReply {
    }

    /** What an error response says beyond its status. */
    enum Problem {
        /** Nothing the flow treats specially. */
        OTHER,
        /** The organisation's or workspace's spend limit, or its credit, is exhausted: retrying will not help for hours. */
        SPEND_LIMIT,
        /** A 400 naming the structured-output field: this model or endpoint does not take it. */
        STRUCTURED_OUTPUT_REJECTED,
        /**
         * The provider refuses the configured model (Bedrock: {@code AccessDeniedException}, no model access or no
         * permission on it; {@code ResourceNotFoundException}, an id it does not know): an operator must act.
         */
        MODEL_UNAVAILABLE
    }

    /**
     * When the API says to try again: {@code delay} from {@code retry-after} in seconds, or {@code at} from an
     * HTTP-date {@code retry-after} or the {@code anthropic-ratelimit-*-reset} headers of exhausted limits.
     */
    record RetryAfter(Optional<Duration> delay, Optional<Instant> at) {
        public static final RetryAfter NONE = new RetryAfter(Optional.empty(), Optional.empty());
    }

    /**
     * Tokens a call cost, as the provider reports them, each bounded: a count below 0 reads as 0 and one above
     * {@link #MOST} as {@code MOST} — no call can use more (a model's whole context is far less), and a number the reply
     * got wrong must neither offset the others nor wrap the budget's sum negative.
     */
    record Usage(long inputTokens, long outputTokens, long cacheCreationInputTokens, long cacheReadInputTokens) {
        public static final long MOST = 10_000_000;
        public static final Usage NONE = new Usage(0, 0, 0, 0);

        public Usage {
            inputTokens = bounded(inputTokens);
            outputTokens = bounded(outputTokens);
            cacheCreationInputTokens = bounded(cacheCreationInputTokens);
            cacheReadInputTokens = bounded(cacheReadInputTokens);
        }

        private static long bounded(long tokens) {
            return Math.max(0, Math.min(MOST, tokens));
        }

        /** This usage and {@code other}'s together (the calls of one request to several providers). */
        public Usage plus(Usage other) {
            return new Usage(inputTokens + other.inputTokens, outputTokens + other.outputTokens,
                    cacheCreationInputTokens + other.cacheCreationInputTokens, cacheReadInputTokens + other.cacheReadInputTokens);
        }

        /**
         * Tokens against the daily budget: input and output at face value, cache writes at 1.25 and cache reads
         * at 0.1 — their price relative to plain input tokens (Anthropic's and Bedrock's prompt-caching pricing for Claude).
         */
        public long budgetTokens() {
            return inputTokens + outputTokens + (cacheCreationInputTokens * 5 + 3) / 4 + (cacheReadInputTokens + 9) / 10;
        }
    }
}
