package dev.loresmith.local;

import dev.loresmith.llm.Provider;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The local runner's command line: a mode, its operands and its options, checked before anything starts. A wrong one
 * is a {@link Usage} (exit 2) naming what is wrong.
 *
 * @param port      {@code serve}'s port: {@code --port N}, else {@code LORESMITH_PORT}, else {@value #DEFAULT_PORT}
 * @param fakes     {@code --fake [PROVIDER=]BEHAVIOUR}, repeatable: the providers answered by the built-in fake API, and how
 * @param providers {@code --providers ORDER}, as the {@code Providers} parameter: where text comes from, in order. Without
 *                  it: {@code anthropic,bedrock} for {@code outage} (the failover) and when {@code --fake} names
 *                  {@code bedrock}; else {@code anthropic}, the stack's default
 */
record LocalCommand(Mode mode, List<String> operands, int port, Map<Provider, FakeBehaviour> fakes, List<Provider> providers) {

    static final int DEFAULT_PORT = 3000;
    /** The order of a deployment with a second provider: Anthropic first, Bedrock when it cannot answer. */
    static final List<Provider> FAILOVER = List.of(Provider.ANTHROPIC, Provider.BEDROCK);

    /** Every order {@code --providers} (like the {@code Providers} parameter) takes. */
    static final String ORDERS = "anthropic, bedrock, anthropic,bedrock, bedrock,anthropic";

    static final String USAGE = String.join("\n",
            "usage: [demo] [--providers ORDER] [--fake [PROVIDER=]BEHAVIOUR]...            request one item of each content type, print them, exit",
            "       outage [--providers ORDER]                                             an outage and its recovery, against the built-in fake API",
            "       serve [--port N] [--providers ORDER] [--fake [PROVIDER=]BEHAVIOUR]...  serve the HTTP API on localhost until Ctrl-C",
            "       invoke FUNCTION EVENT_FILE                                             run one function on one event, like sam local invoke",
            "  --providers: where text comes from, in order, as the Providers parameter: " + ORDERS + " (outage, and a --fake",
            "               naming bedrock: anthropic,bedrock; else anthropic)",
            "  --fake: PROVIDER's calls go to the built-in fake API, no key needed. BEHAVIOUR: " + FakeBehaviour.names() + ";",
            "          PROVIDER: " + providerNames() + " (without it: the first in --providers)");

    LocalCommand {
        operands = List.copyOf(operands);
        providers = List.copyOf(providers);
        Map<Provider, FakeBehaviour> inOrder = new EnumMap<>(Provider.class);
        inOrder.putAll(fakes);
        fakes = Collections.unmodifiableMap(inOrder);
    }

    /** The modes, and the options and operands each takes. */
    enum Mode {
        DEMO, OUTAGE, SERVE, INVOKE;

        String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        boolean takes(String option) {
            return switch (this) {
                case DEMO -> option.equals("--fake") || option.equals("--providers");
                case SERVE -> option.equals("--port") || option.equals("--fake") || option.equals("--providers");
                case OUTAGE -> option.equals("--providers");
                case INVOKE -> false;
            };
        }

        int operands() {
            return this == INVOKE ? 2 : 0;
        }
    }

    /** A command line that cannot be run as given: exit 2, this message, then the usage. */
    static final class Usage extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Usage(String message) {
            super(message, null, false, false);
        }
    }

    static LocalCommand parse(List<String> args, Map<String, String> env) {
        List<String> rest = new ArrayList<>(args);
        Mode mode = Mode.DEMO;
        if (!rest.isEmpty() && !rest.get(0).startsWith("--")) {
            String word = rest.remove(0);
            mode = Arrays.stream(Mode.values()).filter(m -> m.wireName().equals(word)).findFirst()
                    .orElseThrow(() -> new Usage("unknown mode '" + word + "'"));
        }
        List<String> operands = new ArrayList<>();
        String portValue = env.get("LORESMITH_PORT");
        List<String> fakeValues = new ArrayList<>();
        List<Provider> providers = null;
        for (int i = 0; i < rest.size(); i++) {
            String word = rest.get(i);
            if (!word.startsWith("--")) {
                operands.add(word);
                continue;
            }
            if (!mode.takes(word)) {
                throw new Usage(mode.wireName() + " takes no option " + word);
            }
            if (i + 1 >= rest.size()) {
                throw new Usage(word + " needs a value");
            }
            String value = rest.get(++i);
            if (word.equals("--port")) {
                portValue = value;
            } else if (word.equals("--providers")) {
                providers = Provider.parseList(value).orElseThrow(() -> new Usage("--providers: '" + value + "' is not one of " + ORDERS));
            } else {
                fakeValues.add(value);
            }
        }
        if (operands.size() != mode.operands()) {
            throw new Usage(mode == Mode.INVOKE ? "invoke takes FUNCTION EVENT_FILE, e.g. invoke GenerateFunction events/sqs-batch.json"
                    : mode.wireName() + " takes no argument " + operands.get(0));
        }
        if (providers == null) {
            boolean fakesBedrock = fakeValues.stream().anyMatch(v -> v.toLowerCase(Locale.ROOT).startsWith(Provider.BEDROCK.wireName() + "="));
            providers = mode == Mode.OUTAGE || fakesBedrock ? FAILOVER : List.of(Provider.ANTHROPIC);
        }
        Map<Provider, FakeBehaviour> fakes = new EnumMap<>(Provider.class);
        for (String value : fakeValues) {
            fake(value, providers, fakes);
        }
        return new LocalCommand(mode, operands, port(portValue), fakes, providers);
    }

    /** One {@code --fake [PROVIDER=]BEHAVIOUR} into {@code fakes}; without a provider, the first of {@code providers}. */
    private static void fake(String value, List<Provider> providers, Map<Provider, FakeBehaviour> fakes) {
        int equals = value.indexOf('=');
        String name = equals < 0 ? value : value.substring(equals + 1);
        Provider provider = equals < 0 ? providers.get(0) : Provider.fromWireName(value.substring(0, equals).toLowerCase(Locale.ROOT))
                .orElseThrow(() -> new Usage("--fake: unknown provider '" + value.substring(0, equals) + "'; providers: " + providerNames()));
        FakeBehaviour behaviour = FakeBehaviour.fromWireName(name)
                .orElseThrow(() -> new Usage("--fake: unknown behaviour '" + name + "'; behaviours: " + FakeBehaviour.names()));
        if (!providers.contains(provider)) {
            throw new Usage("--fake " + value + ": " + provider + " is not in --providers " + Provider.listText(providers)
                    + " (add it, e.g. --providers " + Provider.listText(FAILOVER) + ")");
        }
        if (fakes.put(provider, behaviour) != null) {
            throw new Usage("--fake: " + provider + " given twice");
        }
    }

    private static int port(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_PORT;
        }
        try {
            int port = Integer.parseInt(value.trim());
            if (port >= 0 && port <= 65_535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new Usage("the port must be a number from 0 (any free port) to 65535, got '" + value + "'");
    }

    private static String providerNames() {
        return Arrays.stream(Provider.values()).map(Provider::wireName).collect(Collectors.joining(", "));
    }
}
