package dev.loresmith.handler;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The process environment, read through one door so that a missing variable fails with its name, and
 * so tests can check that every variable a handler reads is set in template.yaml.
 */
public final class Env {

    private final Map<String, String> values;
    private final Set<String> read = ConcurrentHashMap.newKeySet();

    public Env(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    public static Env system() {
        return new Env(System.getenv());
    }

    public String require(String name) {
        return optional(name).orElseThrow(() -> new IllegalStateException(
                "environment variable " + name + " is not set (see template.yaml)"));
    }

    public Optional<String> optional(String name) {
        read.add(name);
        return Optional.ofNullable(values.get(name)).map(String::trim).filter(v -> !v.isEmpty());
    }

    public String optional(String name, String fallback) {
        return optional(name).orElse(fallback);
    }

    public int integer(String name, int fallback) {
        Optional<String> value = optional(name);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.get());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("environment variable " + name + " must be an integer, got '" + value.get() + "'");
        }
    }

    /** A variable exactly as set (null when unset), for code that resolves it as the SDK does (endpoint variables). */
    public String raw(String name) {
        read.add(name);
        return values.get(name);
    }

    /** The names read so far. */
    public Set<String> namesRead() {
        return Set.copyOf(read);
    }
}
