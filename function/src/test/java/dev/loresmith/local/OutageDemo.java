package dev.loresmith.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loresmith.Json;
import dev.loresmith.content.ContentId;
import dev.loresmith.content.ContentKey;
import dev.loresmith.content.RequestMessages;
import dev.loresmith.events.DomainEvent;
import dev.loresmith.item.Claim;
import dev.loresmith.item.ContentItem;
import dev.loresmith.llm.Provider;
import dev.loresmith.testing.MutableClock;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The outage demo: a story told in {@link Step}s against the built-in fake APIs, on one compressed clock. Every line
 * starts with that clock's time, and each step prints what it caused where it caused it — a request's outcome, then the
 * events its write produced (so {@code CircuitOpened} follows the failure that opened it) — because the streams are
 * read after every action, not at the end. The story is data: another step is one more entry in {@link #steps}.
 *
 * <p>Two stories, by the provider order: with two providers (the default, {@code anthropic,bedrock}) the first fails
 * and the second answers — no fallback is served, and the first's circuit opens and closes behind the scenes; with one
 * provider, fallbacks are served at once and replaced by generated text after the recovery.
 */
final class OutageDemo {

    /** Which fake answers which provider, and how: the first provider's fails its first three calls, then recovers; a second is healthy. */
    static Map<Provider, FakeModelApi.Script> fakes(List<Provider> providers) {
        Map<Provider, FakeModelApi.Script> fakes = new EnumMap<>(Provider.class);
        fakes.put(providers.get(0), FakeModelApi.Script.firstThen(3, FakeBehaviour.FAILING, FakeBehaviour.HEALTHY));
        if (providers.size() > 1) {
            fakes.put(providers.get(1), FakeModelApi.Script.always(FakeBehaviour.HEALTHY));
        }
        return fakes;
    }

    /** One step of the story: its heading, and what it does. */
    record Step(String heading, Action action) {
    }

    @FunctionalInterface
    interface Action {
        void run(Scene scene) throws Exception;
    }

    /** The story for {@code providers}, in order. */
    static List<Step> steps(List<Provider> providers) {
        return providers.size() > 1 ? failover(providers.get(0), providers.get(1)) : alone();
    }

    /** The first provider fails; the second answers every request: generated text throughout, no fallback. */
    static List<Step> failover(Provider first, Provider second) {
        return List.of(
                new Step(first + "'s fake API fails. Each request goes on to " + second + " in the same invocation and is served its"
                        + " text; the third counted failure within 60 s opens " + first + "'s circuit.", scene -> {
                    for (long id = 101; id <= 103; id++) {
                        scene.request("quest_description", id);
                        scene.pass(Duration.ofSeconds(10));
                    }
                }),
                new Step("While " + first + "'s circuit is open, requests go straight to " + second + ": no call to " + first + ".", scene -> {
                    for (long id = 104; id <= 106; id++) {
                        scene.request("event_consequence", id);
                        scene.pass(Duration.ofSeconds(30));
                    }
                }),
                new Step("Time passes (compressed) to the scheduled reset, 5 minutes after the opening: it half-opens " + first
                        + "'s circuit. No fallback was served, so the sweep it starts has no upgrade to send.", Scene::untilReset),
                new Step("The next request is the probe: " + first + " has recovered and answers, and its circuit closes.",
                        scene -> scene.request("quest_description", 107)));
    }

    /** One provider: it fails, fallbacks are served at once, and after the recovery every one is upgraded. */
    static List<Step> alone() {
        return List.of(
                new Step("The fake API fails. Each request is served its fallback at once; the third counted failure within 60 s"
                        + " opens the circuit.", scene -> {
                    for (long id = 101; id <= 103; id++) {
                        scene.request("quest_description", id);
                        scene.pass(Duration.ofSeconds(10));
                    }
                }),
                new Step("While the circuit is open, requests are served their fallbacks without a call.", scene -> {
                    for (long id = 104; id <= 106; id++) {
                        scene.request("event_consequence", id);
                        scene.pass(Duration.ofSeconds(30));
                    }
                }),
                new Step("Time passes (compressed) to the scheduled reset, 5 minutes after the opening: it half-opens the circuit, and the"
                        + " bus rule starts an upgrade sweep that sends one upgrade: the probe.", Scene::untilReset),
                new Step("The probe is answered: the circuit closes, and the sweep that closing starts upgrades every other fallback.",
                        Scene::settle));
    }

    /** What a step acts on: the runner, its clock, and the printed timeline. */
    static final class Scene {
        private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

        private final LocalRunner runner;
        private final MutableClock clock;
        private final PrintStream out;
        private final List<ContentKey> requested = new ArrayList<>();

        Scene(LocalRunner runner, MutableClock clock, PrintStream out) {
            this.runner = runner;
            this.clock = clock;
            this.out = out;
        }

        /** A line of the timeline, at the clock's time now. */
        void line(String text) {
            out.println(LocalTime.ofInstant(clock.instant(), ZoneOffset.UTC).format(TIME) + "  " + text);
        }

        /** One request, through the queue as a game sends it; its outcome, what the player reads, then the events it caused. */
        void request(String type, long id) {
            ContentKey key = new ContentKey(type, ContentId.parse(Long.toString(id)));
            requested.add(key);
            runner.queue().send(RequestMessages.of(key, null), Claim.Kind.REQUEST, clock.instant());
            runner.awaitQueueIdle();
            ContentItem item = runner.tables().contents().find(key).orElseThrow();
            line("request " + key + "  ->  " + item.status().wireName() + "  " + item.model()
                    + (item.provider() != null ? "  via " + item.provider() : "") + why(item));
            line("    player reads: " + item.text());
            runner.drainStreams();
        }

        /** Time passes on the demo's clock. */
        void pass(Duration duration) {
            clock.advance(duration);
        }

        /** To the first scheduled reset; it runs, and the events it causes are published. */
        void untilReset() {
            Instant due = runner.scheduler().nextDue().orElseThrow(() -> new IllegalStateException("no reset is scheduled"));
            clock.set(due.isAfter(clock.instant()) ? due : clock.instant());
            line("the reset scheduled at the opening is due");
            runner.scheduler().fireDue();
            runner.drainStreams();
        }

        /** Until every item requested is ready (at most a few rounds): the queue worked off, the streams read, a second passing. */
        void settle() {
            for (int round = 0; round < 10 && !allReady(); round++) {
                runner.awaitQueueIdle();
                runner.drainStreams();
                clock.advance(Duration.ofSeconds(1));
            }
            runner.awaitQueueIdle();
            runner.drainStreams();
        }

        /** An event as it is published, on the demo's clock, in a line. */
        void event(DomainEvent event) {
            JsonNode detail = event.detail();
            String summary = event instanceof DomainEvent.ContentReady
                    ? detail.path("contentType").asText() + "/" + detail.path("contentId").asText() + " ready, model "
                            + detail.path("model").asText() + " via " + detail.path("provider").asText() + (detail.has("upgradedFrom") ? ", upgraded from " + detail.path("upgradedFrom").asText() : "")
                    : detail.path("provider").asText() + " generation " + detail.path("generation").asText() + ": "
                            + detail.path("from").asText() + " -> " + detail.path("to").asText() + " (" + detail.path("reason").asText() + ")";
            line("    event  " + event.detailType() + "  " + summary);
        }

        boolean allReady() {
            return requested.stream().allMatch(k -> runner.tables().contents().find(k).map(i -> i.status().wireName().equals("ready")).orElse(false));
        }

        List<ContentKey> requested() {
            return List.copyOf(requested);
        }

        /** Why an item holds a fallback, in a few words, for the reasons this story shows. */
        private static String why(ContentItem item) {
            String reason = item.fallbackReason().orElse("");
            return switch (reason) {
                case "api_error_500" -> "  (the fake answered 500: a counted failure)";
                case "circuit_open" -> "  (the circuit is open: no call made)";
                default -> "";
            };
        }
    }

    /** Runs the story for {@code providers} (the {@code Providers} order); returns each requested item as it ends. */
    static List<JsonNode> run(PrintStream out, Map<String, String> env, List<Provider> providers) throws IOException {
        MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        Scene[] scene = new Scene[1];
        LocalRunner.Setup setup = new LocalRunner.Setup().env(env).clock(clock).events(e -> scene[0].event(e)).logName("outage")
                .providers(providers);
        fakes(providers).forEach(setup::fake);
        try (LocalRunner runner = setup.start()) {
            scene[0] = new Scene(runner, clock, out);
            Provider first = providers.get(0);
            FakeModelApi failing = runner.fake(first);
            out.println("Outage demo, providers " + Provider.listText(providers) + ", against built-in FAKE model APIs (no key needed).");
            out.println(first + "'s fake at " + failing.baseUrl() + " answers 500 to its first 3 calls, then fake text"
                    + (providers.size() > 1 ? "; " + providers.get(1) + "'s fake at " + runner.fake(providers.get(1)).baseUrl()
                            + " always answers fake text" : "") + ".");
            out.println("Fake text is \"" + FakeModelApi.FAKE_TEXT + "\", model " + FakeModelApi.FAKE_MODEL + " - not a model's.");
            out.println("One clock, compressed: every line starts with its time; minutes pass in a moment.");
            if (providers.size() > 1) {
                out.println("via = the provider that wrote an item's text (\"player reads\"); events name the provider whose circuit moved.");
            } else {
                out.println("status failed = the request was served a fallback: usable text of the type's shape, at once (\"player reads\").");
                out.println("Events: ContentReady announces an item becoming ready; a fallback announces nothing until its upgrade.");
            }
            out.println("Logs: " + runner.logFile());
            List<Step> steps = steps(providers);
            for (int i = 0; i < steps.size(); i++) {
                out.println();
                out.println((i + 1) + ". " + steps.get(i).heading());
                try {
                    steps.get(i).action().run(scene[0]);
                } catch (Exception e) {
                    throw new IllegalStateException("step " + (i + 1) + " failed", e);
                }
            }
            out.println();
            out.println("After the recovery:");
            List<JsonNode> items = new ArrayList<>();
            for (ContentKey key : scene[0].requested()) {
                ContentItem item = runner.tables().contents().find(key).orElseThrow();
                ObjectNode node = Json.MAPPER.createObjectNode().put("key", key.toString()).put("status", item.status().wireName())
                        .put("model", item.model()).put("provider", item.provider()).put("upgradedFrom", item.upgradedFrom());
                items.add(node);
                scene[0].line(key + "  " + item.status().wireName() + "  " + item.model()
                        + (item.provider() != null ? "  via " + item.provider() : "") + (item.upgradedFrom() != null ? "  (upgraded from " + item.upgradedFrom() + ")" : "") + "  player reads: " + item.text());
            }
            out.println();
            if (providers.size() > 1) {
                FakeModelApi second = runner.fake(providers.get(1));
                long fallbacks = items.stream().filter(i -> i.path("status").asText().equals("failed")).count();
                out.println(fallbacks == 0
                        ? "Outage demo done: no fallback served - every request got generated text through " + first + "'s outage ("
                                + failing.calls() + " calls to " + first + ": 3 failures, then the probe; " + second.calls() + " to "
                                + providers.get(1) + ")."
                        : "Outage demo ended with " + fallbacks + " fallbacks served: see " + runner.logFile());
            } else {
                out.println(scene[0].allReady()
                        ? "Outage demo done: every fallback was replaced by the fake API's text, with no request sent twice (" + failing.calls()
                                + " API calls: 3 failures, then one per item)."
                        : "Outage demo ended with items still holding fallbacks: see " + runner.logFile());
            }
            return items;
        }
    }
}
