package dev.loresmith.storage;

import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitState;
import dev.loresmith.circuit.ForcedState;
import dev.loresmith.llm.Provider;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The circuit/config table's items — one per provider ({@code provider = "anthropic"}, {@code "bedrock"}) and the stack
 * item every provider shares ({@code provider = "stack"}) — read tolerantly: they are also edited by hand (README,
 * "Configuration"), so a value of the wrong type or an unknown word never fails a request. Each such
 * value is replaced by its documented safe default and its attribute named in {@code problems}:
 * <ul>
 *   <li>an unknown {@code circuitState} reads as {@code half_open} with no probe running: one caller probes,
 *       and the probe's result writes a state the code understands;</li>
 *   <li>an unknown {@code forcedState} reads as no override;</li>
 *   <li>a bad {@code model}, {@code maxTokens} or {@code tokenBudget} override (wrong type, empty, out of range)
 *       is ignored: the stack's setting, else the built-in default, applies;</li>
 *   <li>a bad number in the circuit's bookkeeping reads as 0 / none — a bad {@code version} too, and the next circuit
 *       write (conditioned to match exactly such a value) replaces it;</li>
 *   <li>a {@code tokensUsed} that is not a non-negative number reads as 0, and the next count restarts it; one beyond
 *       a 64-bit integer reads as the largest (the budget is spent).</li>
 * </ul>
 * Times are epoch milliseconds.
 */
final class CircuitItem {

    static final String PK = "provider";
    /** The key of the item every provider shares: the stack's settings, the provider order, the token budget and its counter. */
    static final String STACK = "stack";
    static final String STACK_SETTINGS = "stackSettings";
    static final Pattern MODEL = StackSettings.MODEL_ID;
    static final int MAX_TOKENS_LIMIT = StackSettings.MAX_TOKENS_LIMIT;
    /** Circuit attributes every circuit write sets (or removes); everything else on the item is left alone. */
    static final List<String> CIRCUIT_ATTRIBUTES = List.of("circuitState", "failureCount", "failureWindowStart",
            "recentFailures", "openedAt", "generation", "probeUntil", "version");

    private final Map<String, AttributeValue> item;
    private final List<String> problems = new ArrayList<>();

    private CircuitItem(Map<String, AttributeValue> item) {
        this.item = item == null ? Map.of() : item;
    }

    /** One provider's item. */
    static ProviderConfig parseProvider(Map<String, AttributeValue> item) {
        return new CircuitItem(item).providerConfig();
    }

    /** The stack item. */
    static StackConfig parseStack(Map<String, AttributeValue> item) {
        return new CircuitItem(item).stackConfig();
    }

    private ProviderConfig providerConfig() {
        if (item.isEmpty()) {
            return ProviderConfig.INITIAL;
        }
        CircuitRecord circuit = circuit();
        String model = string("model").filter(m -> valid("model", MODEL.matcher(m).matches())).orElse(null);
        Integer maxTokens = number("maxTokens").filter(n -> valid("maxTokens", n >= 1 && n <= MAX_TOKENS_LIMIT)).map(Long::intValue).orElse(null);
        Instant throttledUntil = number("throttledUntil").map(Instant::ofEpochMilli).orElse(null);
        if (item.containsKey("tokenBudget")) {
            // Before there was a second provider, the budget's override lived on the anthropic item.
            problems.add("tokenBudget: not read on a provider's item; the budget is set on the stack item");
        }
        return new ProviderConfig(circuit, model, maxTokens, throttledUntil, string("throttleReason").orElse(null), problems);
    }

    private StackConfig stackConfig() {
        if (item.isEmpty()) {
            return StackConfig.INITIAL;
        }
        StackSettings stack = stack();
        List<Provider> providers = string("providers").flatMap(text -> {
            Optional<List<Provider>> order = Provider.parseList(text);
            if (order.isEmpty()) {
                problems.add("providers: not a comma list of anthropic and bedrock, ignored");
            }
            return order;
        }).orElse(null);
        Long tokenBudget = number("tokenBudget").filter(n -> valid("tokenBudget", n >= 0)).orElse(null);
        LocalDate budgetDay = string("budgetDay").flatMap(this::day).orElse(null);
        return new StackConfig(stack, providers, tokenBudget, budgetDay, tokensUsed(), problems);
    }

    private CircuitRecord circuit() {
        Optional<String> stored = string("circuitState");
        Optional<CircuitState> known = stored.flatMap(CircuitState::fromWireName);
        boolean unknown = stored.isPresent() && known.isEmpty();
        if (unknown) {
            problems.add("circuitState: unknown value, read as half_open");
        }
        CircuitState state = unknown ? CircuitState.HALF_OPEN : known.orElse(CircuitState.CLOSED);
        ForcedState forced = string("forcedState").map(s -> ForcedState.fromWireName(s).orElseGet(() -> {
            problems.add("forcedState: unknown value, ignored");
            return ForcedState.NONE;
        })).orElse(ForcedState.NONE);
        Instant probeUntil = unknown ? null : time("probeUntil");
        return new CircuitRecord(state, recentFailures(), time("openedAt"), number("generation").orElse(0L),
                probeUntil, forced, version());
    }

    /**
     * The version every circuit write is conditioned on. A fraction reads as its whole part (the write's condition
     * is {@code version >= v AND version < v + 1}); anything else unreadable reads as 0, whose condition also
     * matches any value that is not a number from 1 to {@link Long#MAX_VALUE}.
     */
    private long version() {
        AttributeValue v = item.get("version");
        if (v == null) {
            return 0;
        }
        BigDecimal d = decimal(v);
        if (d == null || d.signum() < 0 || d.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            problems.add("version: not a whole number, read as 0 and replaced by the next circuit write");
            return 0;
        }
        if (d.stripTrailingZeros().scale() > 0) {
            problems.add("version: not a whole number, read as its whole part");
        }
        return d.longValue();
    }

    private long tokensUsed() {
        AttributeValue v = item.get("tokensUsed");
        if (v == null) {
            return 0;
        }
        BigDecimal d = decimal(v);
        if (d == null || d.signum() < 0) {
            problems.add("tokensUsed: not a non-negative number, read as 0 and restarted by the next count");
            return 0;
        }
        return d.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0 ? Long.MAX_VALUE : d.longValue();
    }

    private static BigDecimal decimal(AttributeValue v) {
        try {
            return v.n() == null ? null : new BigDecimal(v.n());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** {@code recentFailures}; an item written before the sliding window has only a count and a window start. */
    private List<Instant> recentFailures() {
        AttributeValue list = item.get("recentFailures");
        List<Instant> failures = new ArrayList<>();
        if (list != null && list.hasL()) {
            for (AttributeValue v : list.l()) {
                try {
                    failures.add(Instant.ofEpochMilli(Long.parseLong(v.n())));
                } catch (RuntimeException e) {
                    problems.add("recentFailures: not a list of numbers, read as empty");
                    return List.of();
                }
            }
            failures.sort(null);
            return failures;
        }
        if (list != null) {
            problems.add("recentFailures: not a list, read as empty");
            return List.of();
        }
        long count = number("failureCount").orElse(0L);
        Instant start = time("failureWindowStart");
        for (int i = 0; start != null && i < Math.min(count, 100); i++) {
            failures.add(start);
        }
        return failures;
    }

    private StackSettings stack() {
        AttributeValue value = item.get(STACK_SETTINGS);
        if (value == null) {
            return StackSettings.NONE;
        }
        if (!value.hasM()) {
            problems.add("stackSettings: not a map, ignored");
            return StackSettings.NONE;
        }
        CircuitItem inner = new CircuitItem(value.m());
        String model = inner.string("model").filter(m -> inner.valid("stackSettings.model", MODEL.matcher(m).matches())).orElse(null);
        Integer maxTokens = inner.number("maxTokens").filter(n -> inner.valid("stackSettings.maxTokens", n >= 1 && n <= MAX_TOKENS_LIMIT))
                .map(Long::intValue).orElse(null);
        String baseUrl = inner.string("baseUrl").filter(u -> inner.valid("stackSettings.baseUrl", StackSettings.baseUrlProblem(u).isEmpty())).orElse(null);
        Long budget = inner.number("tokenBudget").filter(n -> inner.valid("stackSettings.tokenBudget", n >= 0)).orElse(null);
        List<Provider> providers = inner.string("providers")
                .flatMap(text -> Provider.parseList(text).or(() -> {
                    inner.valid("stackSettings.providers", false);
                    return Optional.empty();
                })).orElse(null);
        String bedrockModel = inner.string("bedrockModel").filter(m -> inner.valid("stackSettings.bedrockModel", MODEL.matcher(m).matches()))
                .orElse(null);
        inner.problems.forEach(p -> problems.add(p.startsWith("stackSettings.") ? p : "stackSettings." + p));
        return new StackSettings(model, maxTokens, baseUrl, budget, providers, bedrockModel);
    }

    private boolean valid(String attribute, boolean ok) {
        if (!ok) {
            problems.add(attribute + ": out of range or malformed, ignored");
        }
        return ok;
    }

    private Optional<LocalDate> day(String text) {
        try {
            return Optional.of(LocalDate.parse(text));
        } catch (DateTimeParseException e) {
            problems.add("budgetDay: not a date, read as none");
            return Optional.empty();
        }
    }

    private Optional<String> string(String name) {
        AttributeValue v = item.get(name);
        if (v == null) {
            return Optional.empty();
        }
        if (v.s() == null) {
            problems.add(name + ": not a string, ignored");
            return Optional.empty();
        }
        String s = v.s().trim();
        if (s.isEmpty()) {
            problems.add(name + ": empty, ignored");
            return Optional.empty();
        }
        return Optional.of(s);
    }

    private Optional<Long> number(String name) {
        AttributeValue v = item.get(name);
        if (v == null) {
            return Optional.empty();
        }
        try {
            if (v.n() != null) {
                return Optional.of(new BigDecimal(v.n()).longValueExact());
            }
        } catch (ArithmeticException | NumberFormatException e) {
            // a fraction or out of range: reported below
        }
        problems.add(name + ": not a whole number, ignored");
        return Optional.empty();
    }

    private Instant time(String name) {
        return number(name).filter(ms -> ms > 0).map(Instant::ofEpochMilli).orElse(null);
    }

    /** SET values and REMOVE names for a circuit write: every circuit attribute, nothing else. */
    static Map<String, AttributeValue> circuitValues(CircuitRecord r) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put("circuitState", AttributeValue.fromS(r.state().wireName()));
        values.put("failureCount", n(r.failureCount()));
        values.put("failureWindowStart", n(millis(r.windowStart())));
        values.put("recentFailures", AttributeValue.fromL(r.recentFailures().stream().map(t -> n(t.toEpochMilli())).toList()));
        values.put("openedAt", n(millis(r.openedAt())));
        values.put("generation", n(r.generation()));
        values.put("probeUntil", n(millis(r.probeUntil())));
        values.put("version", n(r.version()));
        if (r.forced() != ForcedState.NONE) {
            values.put("forcedState", AttributeValue.fromS(r.forced().wireName()));
        }
        return values;
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    private static long millis(Instant t) {
        return t == null ? 0 : t.toEpochMilli();
    }
}
