package dev.loresmith.faults;

import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitState;
import dev.loresmith.circuit.ForcedState;
import dev.loresmith.content.ContentKey;
import dev.loresmith.item.Claim.Kind;
import dev.loresmith.item.ContentItem;
import dev.loresmith.item.ContentStatus;
import dev.loresmith.item.FollowUp;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FakeAws;
import dev.loresmith.testing.FakeBedrock;
import dev.loresmith.testing.SecretWatch;
import dev.loresmith.testing.TestAws;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fault matrix: for every entry point, every external call its path makes — enumerated by recording a
 * fault-free run through one interceptor, not listed by hand — and every kind of fault (an error that outlasts
 * the SDK's retries, throttling, a hang until the timeout, the invocation dying right after the call), the world
 * runs on for 90 simulated minutes of redeliveries, resets and sweeps, and then the promises must hold:
 * <ul>
 *   <li>the item is not pending, and ends as the scenario promises (generated text, for all but a dead letter);</li>
 *   <li>the model was only ever called under a live lease on the item, and not hammered;</li>
 *   <li>no answer claimed what was not so (a message done while its item is stranded; 202 with nothing queued);</li>
 *   <li>no log line, metric or answer holds the API key or the player's text.</li>
 * </ul>
 * Results go to {@code target/fault-matrix.txt} (docs/RELIABILITY.md reports them).
 */
class FaultMatrixTest {

    static final long ID = 42;
    static final ContentKey ITEM = World.key("quest_description", ID);
    static final String REQUEST = "{\"contentType\":\"quest_description\",\"contentId\":" + ID
            + ",\"context\":{\"note\":\"" + World.PLAYER_TEXT + "\"}}";
    static final Duration SETTLE = Duration.ofMinutes(90);
    static final String RATE_LIMITED = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}";
    static final String BILLING = "{\"type\":\"error\",\"error\":{\"type\":\"billing_error\",\"message\":\"billing\"}}";
    static final int MAX_MODEL_CALLS = 6;

    static FakeAnthropic anthropic;
    static FakeBedrock bedrock;
    static FakeAws aws;
    static World.Clients clients;
    static final Map<String, String> RESULTS = new TreeMap<>();
    static final List<Long> TIMES = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start() {
        anthropic = new FakeAnthropic();
        bedrock = new FakeBedrock();
        aws = new FakeAws();
        clients = new World.Clients(aws);
    }

    @AfterAll
    static void stop() throws IOException {
        if (anthropic != null) {
            anthropic.close();
        }
        if (bedrock != null) {
            bedrock.close();
        }
        if (aws != null) {
            aws.close();
        }
        StringBuilder report = new StringBuilder("scenario | calls on its path | runs | result\n");
        RESULTS.forEach((scenario, line) -> report.append(scenario).append(" | ").append(line).append('\n'));
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "fault-matrix.txt"), report.toString());
        System.out.print(report);
        System.out.println("runs: " + TIMES.size() + ", ms per run: " + TIMES.stream().mapToLong(Long::longValue).summaryStatistics());
    }

    /**
     * An entry point in a given situation, and what must be true of its item once the world has settled. Its path
     * is the calls of its first {@code pathInvocations} invocations (the entry's own, and those that process what it
     * queued); faults go on each of them, and the rest of the world runs on fault-free.
     */
    record Scenario(String name, int pathInvocations, Consumer<World> setup, Consumer<World> entry, Predicate<ContentItem> promise,
                    String promised) {
    }

    static Predicate<ContentItem> ready() {
        return item -> item.status() == ContentStatus.READY;
    }

    static List<Scenario> scenarios() {
        return List.of(
                new Scenario("SQS, healthy API", 1, w -> anthropic.repliesForEachType(), w -> w.gameSends(REQUEST), ready(), "ready"),
                new Scenario("SQS, the failure that opens the circuit", 1,
                        w -> {
                            anthropic.failsOnceThenRepliesForEachType(500);
                            circuit(w, new CircuitRecord(CircuitState.CLOSED, List.of(w.clock.instant().minusSeconds(20),
                                    w.clock.instant().minusSeconds(10)), null, 0, null, ForcedState.NONE, 2));
                        },
                        w -> w.gameSends(REQUEST), ready(), "ready (after the reset, the probe and the upgrade)"),
                new Scenario("SQS, rate limited (429)", 1, w -> anthropic.failsOnceThenRepliesForEachType(429), w -> w.gameSends(REQUEST),
                        ready(), "ready (upgraded after the throttle)"),
                new Scenario("SQS, a 429 whose retry-after says nothing (0)", 1,
                        w -> anthropic.answersOnceThenRepliesForEachType(429, Map.of("retry-after", "0"), RATE_LIMITED),
                        w -> w.gameSends(REQUEST), ready(), "ready (upgraded after the 30 s default hold)"),
                new Scenario("SQS, a spend limit, then one call checks it", 1,
                        w -> anthropic.answersOnceThenRepliesForEachType(402, Map.of(), BILLING),
                        w -> w.gameSends(REQUEST), ready(), "ready (upgraded by the check after the hour)"),
                new Scenario("SQS, a reply with a lone surrogate", 1,
                        w -> anthropic.replies(FakeAnthropic.QUEST_JSON.replace("Drowned", "Drowned\\ud800")),
                        w -> w.gameSends(REQUEST), ready(), "ready (cleaned, written once)"),
                new Scenario("SQS, with a token budget, a call ending after midnight", 1, w -> {
                    anthropic.repliesForEachType();
                    w.clock.set(Instant.parse("2026-11-25T23:59:50Z"));
                    TestAws.dynamo().putItem(r -> r.tableName(w.tableNames.circuit()).item(Map.of("provider", AttributeValue.fromS("stack"),
                            "tokenBudget", AttributeValue.fromN("1000000"), "budgetDay", AttributeValue.fromS("2026-11-25"),
                            "tokensUsed", AttributeValue.fromN("4000"))));
                }, w -> w.gameSends(REQUEST), ready(), "ready (counted to the day it ended on)"),
                new Scenario("SQS, a late first message after its requeue's fallback", 1, w -> {
                    anthropic.failsOnceThenRepliesForEachType(503);
                    Instant now = w.clock.instant();
                    w.observed.request(ITEM, now.minus(Duration.ofMinutes(6)), "{\"note\":\"x\"}", now.plus(Duration.ofMinutes(30)));
                    // the original message, sent with the request 6 minutes ago, stuck in a backlog for another 30 s
                    w.queue.messages.add(new World.SimMessage(REQUEST, Kind.REQUEST, now.plusSeconds(30), now.minus(Duration.ofMinutes(6))));
                }, w -> w.queue.messages.add(new World.SimMessage(REQUEST, Kind.REQUEUE, w.clock.instant(), w.clock.instant())), // the sweep's requeue
                        ready(), "ready (the late original makes no call)"),
                new Scenario("SQS, with a token budget", 1, w -> {
                    anthropic.repliesForEachType();
                    TestAws.dynamo().putItem(r -> r.tableName(w.tableNames.circuit()).item(Map.of("provider", AttributeValue.fromS("stack"),
                            "tokenBudget", AttributeValue.fromN("1000000"))));
                }, w -> w.gameSends(REQUEST), ready(), "ready"),
                new Scenario("SQS, Anthropic down, Bedrock answers (failover)", 1, w -> {
                    w.providers("anthropic,bedrock");
                    anthropic.failsWith(503);
                }, w -> w.gameSends(REQUEST), ready(), "ready (written by Bedrock)"),
                new Scenario("SQS, Bedrock alone (keyless)", 1, w -> w.providers("bedrock"), w -> w.gameSends(REQUEST), ready(), "ready"),
                new Scenario("HTTP async", 2, w -> anthropic.repliesForEachType(), w -> w.post(REQUEST), ready(), "ready"),
                new Scenario("HTTP wait", 2, w -> anthropic.repliesForEachType(),
                        w -> w.post(REQUEST.replace("}}", "},\"wait\":true}")), ready(), "ready"),
                new Scenario("HTTP wait, a backlog: the wait runs to its deadline", 1, w -> {
                    anthropic.repliesForEachType();
                    w.queueWorkedWhileWaiting = false;
                }, w -> w.post(REQUEST.replace("}}", "},\"wait\":true}")), ready(), "ready (answered 202 within the function's time)"),
                new Scenario("reset (scheduled)", 1, w -> {
                    anthropic.repliesForEachType();
                    circuit(w, new CircuitRecord(CircuitState.OPEN, List.of(), w.clock.instant().minus(Duration.ofMinutes(5)), 1,
                            null, ForcedState.NONE, 5));
                    fallbackAwaitingUpgrade(w);
                }, w -> w.scheduleReset(1, w.clock.instant()), ready(), "ready (the circuit recovers; the fallback is upgraded)"),
                new Scenario("dead letter", 1, w -> {
                    anthropic.repliesForEachType();
                    w.observed.request(ITEM, w.clock.instant().minus(Duration.ofMinutes(20)), null, w.clock.instant().plus(Duration.ofMinutes(30)));
                }, w -> w.deadLetters.add(new World.SimMessage(REQUEST, Kind.REQUEST, w.clock.instant())),
                        item -> "fallback:dead_letter".equals(item.model()) && item.followUp() != null
                                && item.followUp().kind() == FollowUp.Kind.REPLAY, "the dead_letter fallback, marked for replay"),
                new Scenario("upgrade sweep", 2, w -> {
                    anthropic.repliesForEachType();
                    fallbackAwaitingUpgrade(w);
                }, World::sweep, ready(), "ready (upgraded)"));
    }

    static void circuit(World w, CircuitRecord record) {
        assertTrue(w.observedCircuit.replace(dev.loresmith.llm.Provider.ANTHROPIC, CircuitRecord.initial(), record));
    }

    /** The item holds a circuit_open fallback whose upgrade is due now. */
    static void fallbackAwaitingUpgrade(World w) {
        ContentItem fallback = ContentItem.pending(ITEM, w.clock.instant().minusSeconds(120), "{\"note\":\"x\"}")
                .finished(ContentStatus.FAILED, "{\"title\":\"A Call for Aid\",\"description\":\"Help.\"}", "fallback:circuit_open",
                        w.clock.instant().minusSeconds(60))
                .withFollowUp(new FollowUp(FollowUp.Kind.UPGRADE, w.clock.instant()));
        assertTrue(w.observed.fallbackUnclaimed(fallback, w.clock.instant()));
    }

    /** Runs a scenario with its {@code faultAt}-th call failing as {@code kind} (-1: no fault); returns the settled world. */
    World play(Scenario scenario, int faultAt, FaultPlan.Kind kind) {
        anthropic.reset();
        bedrock.repliesForEachType();
        aws.reset();
        aws.secretValue(SecretWatch.API_KEY);
        World w = new World(anthropic, bedrock, aws, clients, faultAt, kind, ITEM);
        scenario.setup().accept(w);
        scenario.entry().accept(w);
        w.run(SETTLE);
        return w;
    }

    @TestFactory
    @DisplayName("every entry point x every call on its path x every fault kind: the promises hold")
    List<DynamicContainer> matrix() {
        List<DynamicContainer> containers = new ArrayList<>();
        String only = System.getProperty("loresmith.matrix.only", "");
        for (Scenario scenario : scenarios()) {
            if (!scenario.name().contains(only)) {
                continue;
            }
            World clean = play(scenario, -1, null);
            List<String> calls = clean.plan.callsOfFirst(scenario.pathInvocations());
            List<DynamicTest> tests = new ArrayList<>();
            tests.add(DynamicTest.dynamicTest("fault-free: " + scenario.promised(), () -> assertPromises(scenario, clean, "no fault")));
            List<Integer> faulted = faulted(calls);
            for (int i : faulted) {
                for (FaultPlan.Kind kind : FaultPlan.Kind.values()) {
                    int index = i;
                    String label = "#" + (i + 1) + " " + calls.get(i) + ": " + kind;
                    tests.add(DynamicTest.dynamicTest(label, () -> {
                        long started = System.nanoTime();
                        World faulty = play(scenario, index, kind);
                        TIMES.add((System.nanoTime() - started) / 1_000_000);
                        assertTrue(faulty.plan.injected(), "the fault was injected");
                        assertPromises(scenario, faulty, label);
                    }));
                }
            }
            RESULTS.put(scenario.name(), calls.size() + " (" + String.join(", ", calls) + ")"
                    + (faulted.size() < calls.size() ? ", faults on " + faulted.size() : "") + " | "
                    + (faulted.size() * FaultPlan.Kind.values().length + 1) + " | " + scenario.promised());
            containers.add(DynamicContainer.dynamicContainer(scenario.name() + " (" + calls.size() + " calls)", tests));
        }
        return containers;
    }

    /**
     * The calls that get a fault: every one — except inside a run of the same call repeated (a waiting request's polls),
     * where the first two and the last two stand for the rest (the first finds the state as the entry left it, the last
     * meets the deadline).
     */
    static List<Integer> faulted(List<String> calls) {
        List<Integer> faulted = new ArrayList<>();
        for (int i = 0; i < calls.size(); ) {
            int end = i;
            while (end + 1 < calls.size() && calls.get(end + 1).equals(calls.get(i))) {
                end++;
            }
            for (int j = i; j <= end; j++) {
                if (j - i < 2 || end - j < 2) {
                    faulted.add(j);
                }
            }
            i = end + 1;
        }
        return faulted;
    }

    static void assertPromises(Scenario scenario, World w, String label) {
        ContentItem item = w.settled;
        if (item == null && !w.statuses.isEmpty() && w.statuses.get(w.statuses.size() - 1) >= 500) {
            // The request was refused before anything was written, and the answer said so: the client retries.
            assertEquals(0, w.modelCalls, label);
            return;
        }
        assertNotNull(item, label + ": the item exists");
        assertFalse(item.status() == ContentStatus.PENDING, label + ": the item is not left pending: " + item);
        assertTrue(scenario.promise().test(item), label + ": expected " + scenario.promised() + ", got " + item);
        assertEquals(List.of(), w.violations, label);
        assertTrue(w.modelCalls <= MAX_MODEL_CALLS, label + ": " + w.modelCalls + " model calls for one item");
        for (List<String> lines : List.of(w.logs.lines(), w.emf.lines(), w.answers)) {
            for (String line : lines) {
                SecretWatch.check("log line", line);
                assertFalse(line.contains(World.PLAYER_TEXT), label + ": player text in " + line);
            }
        }
        if (item.status() == ContentStatus.READY) {
            assertEquals(TestJson.parse(FakeAnthropic.QUEST_JSON), TestJson.parse(item.text()));
        }
    }
}
