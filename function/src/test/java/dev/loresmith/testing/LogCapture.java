package dev.loresmith.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.log.StructuredLog;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/** Collects the structured log lines a component writes, and checks every one for secrets. */
public final class LogCapture implements Consumer<String> {

    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());

    public StructuredLog log(Clock clock) {
        return new StructuredLog(this, clock);
    }

    @Override
    public void accept(String line) {
        SecretWatch.check("log line", line);
        lines.add(line);
    }

    public List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    public List<JsonNode> parsed() {
        return lines().stream().map(TestJson::parse).toList();
    }

    public List<JsonNode> withMessage(String message) {
        return lines().stream().map(TestJson::parse).filter(n -> message.equals(n.path("message").asText())).toList();
    }
}
