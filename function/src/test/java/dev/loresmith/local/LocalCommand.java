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
 * @param port  {@code serve}'s port: {@code --port N}, else {@code LORESMITH_PORT}, else {@value #DEFAULT_PORT}
 * @param fakes {@code --fake [PROVIDER=]BEHAVIOUR}, repeatable: the providers answered by the built-in fake API, and how
 */
record LocalCommand(Mode mode, List<String> operands, int port, Map<Provider, FakeBehaviour> fakes) {

    static final int DEFAULT_PORT = 3000;
    /** What a bare {@code --fake BEHAVIOUR} fakes: the first provider in preference order. */
    static final Provider FIRST_PROVIDER = Provider.ANTHROPIC;

    static final String USAGE = String.join("\n",
            "usage: [demo] [--fake [PROVIDER=]BEHAVIOUR]...                request one item of each content type, print them, exit",
            "       outage                                                 an outage and its recovery, against the built-in fake API",
            "       serve [--port N] [--fake [PROVIDER=]BEHAVIOUR]...      serve the HTTP API on localhost until Ctrl-C",
            "       invoke FUNCTION EVENT_FILE                             run one function on one event, like sam local invoke",
            "  --fake: PROVIDER's calls go to the built-in fake API, no key needed. BEHAVIOUR: " + FakeBehaviour.names() + ";",
            "          PROVIDER: " + providerNames() + " (without it: the first, " + FIRST_PROVIDER + ")");

    LocalCommand {
        operands = List.copyOf(operands);
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
                case DEMO -> option.equals("--fake");
                case SERVE -> option.equals("--port") || option.equals("--fake");
                case OUTAGE, INVOKE -> false;
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
        Map<Provider, FakeBehaviour> fakes = new EnumMap<>(Provider.class);
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
            } else {
                fake(value, fakes);
            }
        }
        if (operands.size() != mode.operands()) {
            throw new Usage(mode == Mode.INVOKE ? "invoke takes FUNCTION EVENT_FILE, e.g. invoke GenerateFunction events/sqs-batch.json"
                    : mode.wireName() + " takes no argument " + operands.get(0));
        }
        return new LocalCommand(mode, operands, port(portValue), fakes);
    }

    private static void fake(String value, Map<Provider, FakeBehaviour> fakes) {
        int equals = value.indexOf('=');
        Provider provider = equals < 0 ? FIRST_PROVIDER : Provider.fromWireName(value.substring(0, equals).toLowerCase(Locale.ROOT))
                .orElseThrow(() -> new Usage("--fake: unknown provider '" + value.substring(0, value.indexOf('=')) + "'; providers: " + providerNames()));
        String name = equals < 0 ? value : value.substring(equals + 1);
        FakeBehaviour behaviour = FakeBehaviour.fromWireName(name)
                .orElseThrow(() -> new Usage("--fake: unknown behaviour '" + name + "'; behaviours: " + FakeBehaviour.names()));
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
