package dev.loresmith.log;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;

import java.io.PrintStream;
import java.time.Clock;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One JSON object per line: {@code {"level":..,"message":..,"timestamp":..,<fields>}}, the shape Lambda's
 * JSON log format and CloudWatch Logs Insights read directly. Fields are key/value pairs; callers pass
 * sizes and ids, never the API key or player context.
 */
public final class StructuredLog {

    private final Consumer<String> sink;
    private final Clock clock;

    public StructuredLog(Consumer<String> sink, Clock clock) {
        this.sink = sink;
        this.clock = clock;
    }

    public static StructuredLog to(PrintStream out, Clock clock) {
        return new StructuredLog(line -> {
            synchronized (out) {
                out.println(line);
            }
        }, clock);
    }

    public void info(String message, Object... fields) {
        write("INFO", message, fields);
    }

    public void warn(String message, Object... fields) {
        write("WARN", message, fields);
    }

    public void error(String message, Object... fields) {
        write("ERROR", message, fields);
    }

    private void write(String level, String message, Object[] fields) {
        ObjectNode line = Json.MAPPER.createObjectNode();
        line.put("timestamp", clock.instant().toString());
        line.put("level", level);
        line.put("message", message);
        for (int i = 0; i + 1 < fields.length; i += 2) {
            Object value = fields[i + 1];
            String key = String.valueOf(fields[i]);
            if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
                line.put(key, ((Number) value).longValue()); // not through a conditional expression: that would make it a double
            } else if (value instanceof Number number) {
                line.put(key, number.doubleValue());
            } else if (value instanceof Boolean bool) {
                line.put(key, bool);
            } else if (value instanceof Map<?, ?> map) {
                if (!map.isEmpty()) {
                    ObjectNode object = line.putObject(key);
                    map.forEach((k, v) -> object.put(String.valueOf(k), String.valueOf(v)));
                }
            } else if (value != null) {
                line.put(key, value.toString());
            }
        }
        sink.accept(Json.write(line));
    }
}
