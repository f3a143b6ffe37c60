package dev.loresmith.llm;

import java.time.Duration;

/** One call to a language model; never throws for a failed call, it returns the failure. */
public interface LlmClient {

    LlmReply complete(String baseUrl, MessagesPrompt prompt, String apiKey, Duration timeout);
}
