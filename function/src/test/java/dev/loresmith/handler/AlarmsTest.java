package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.circuit.CircuitState;
import dev.loresmith.circuit.ForcedState;
import dev.loresmith.storage.StackSettings;
import dev.loresmith.testing.AlarmModel.State;
import dev.loresmith.testing.AlarmModel;
import dev.loresmith.testing.EmfDocuments;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FakeContext;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.Template;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every alarm against the metric it really sees: the EMF documents the handlers write, through the real
 * {@link SqsGenerateHandler} and {@link DeadLetterHandler}, read with the names and dimensions CloudWatch reads them
 * with, and — for the alarms that must hold while a condition lasts — the alarm itself evaluated minute by minute on
 * those documents ({@link AlarmModel}) over a scripted timeline on the harness clock.
 */
class AlarmsTest extends FlowTest {

    static final String SPEND_LIMIT = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"You have reached your API "
            + "usage limits.\",\"details\":{\"error_code\":\"enforced_spend_limit_reached\"}}}";

    final Template template = Template.load();

    void request(long id) {
        h.viaSqs(id);
    }

    void at(String time) {
        h.clock.set(Instant.parse("2026-11-25T" + time + "Z"));
    }

    static Instant t(String time) {
        return Instant.parse("2026-11-25T" + time + "Z");
    }

    /** The minutes (from, to inclusive) at which {@code timeline} is not {@code expected}. */
    static List<Instant> not(State expected, Map<Instant, State> timeline, String from, String to) {
        List<Instant> wrong = new ArrayList<>();
        timeline.forEach((at, state) -> {
            if (!at.isBefore(t(from)) && !at.isAfter(t(to)) && state != expected) {
                wrong.add(at);
            }
        });
        return wrong;
    }

    @Test
    @DisplayName("SpendLimitReachedAlarm is in ALARM from the first answer for as long as the hourly checks keep hearing it, then OK")
    void spendLimitHolds() {
        at("10:00:10");
        Instant recovered = t("12:10:10");
        long id = 1;
        anthropic.answers(429, Map.of(), SPEND_LIMIT);
        // A request every 7 minutes: held back for the hour after each spend-limit answer, then one call checks again.
        for (Instant when = h.clock.instant(); when.isBefore(t("14:00:00")); when = when.plus(Duration.ofMinutes(7))) {
            if (!when.isBefore(recovered) && h.clock.instant().isBefore(recovered)) {
                anthropic.replies(FakeAnthropic.QUEST_JSON); // the limit is raised
            }
            h.clock.set(when);
            request(id++);
        }
        assertEquals(3, h.emf.parsed().stream().filter(d -> d.path("SpendLimitReached").asInt() == 1).count(),
                "answers at 10:00, 11:03 and 12:06; every request between them held back without a call");
        assertEquals(8, anthropic.requestCount(), "from the 13:09 check on, every request (one every 7 minutes) is served");

        Map<Instant, State> timeline = AlarmModel.of(template, "SpendLimitReachedAlarm").timeline(h.emf.parsed(), t("10:00:00"), t("14:00:00"));

        assertEquals(List.of(), not(State.ALARM, timeline, "10:05:00", "13:24:00"), "in ALARM while calls are held back and every check hears the limit");
        assertEquals(List.of(), not(State.OK, timeline, "13:25:00", "14:00:00"), "OK once no check has heard it for the window");
    }

    @Test
    @DisplayName("CircuitOpenedAlarm is in ALARM from the opening while requests see the circuit open, OK once they see it closed")
    void circuitOpenHolds() {
        anthropic.failsWith(503);
        at("10:00:10");
        request(1);
        at("10:00:20");
        request(2);
        at("10:00:30");
        request(3); // the third counted failure within 60 s opens the circuit; this request's own gauge saw it closed
        assertEquals(1, h.emf.parsed().stream().filter(d -> !d.has("Provider")).toList().get(2).path("CircuitOpened").asInt());
        for (int minute = 1; minute <= 4; minute++) {
            at("10:0" + minute + ":10");
            request(10 + minute); // circuit_open, gauge 2
        }
        at("10:05:30");
        h.reset().reset(dev.loresmith.llm.Provider.ANTHROPIC, 1); // the scheduled reset: half-open
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        for (int minute = 6; minute <= 9; minute++) {
            at("10:0" + minute + ":10");
            request(20 + minute); // the first probes and closes it; the rest are served
        }
        assertEquals(CircuitState.CLOSED, h.circuitRecord().state());

        Map<Instant, State> timeline = AlarmModel.of(template, "CircuitOpenedAlarm").timeline(h.emf.parsed(), t("10:00:00"), t("10:20:00"));

        assertEquals(List.of(), not(State.ALARM, timeline, "10:01:00", "10:06:00"), "from the opening minute to the probe");
        assertEquals(List.of(), not(State.OK, timeline, "10:07:00", "10:20:00"), "OK once requests see it closed");
    }

    @Test
    @DisplayName("CircuitOpenedAlarm holds while an operator keeps the circuit forced open, even when no request comes for hours")
    void forcedOpenHolds() {
        at("10:00:00");
        Wiring.circuitAdmin(h.outside()).admin().force(dev.loresmith.llm.Provider.ANTHROPIC, ForcedState.OPEN, "arn:aws:iam::123456789012:user/operator");
        at("10:00:10");
        request(1);
        at("10:01:10");
        request(2);
        at("12:00:00");
        Wiring.circuitAdmin(h.outside()).admin().force(dev.loresmith.llm.Provider.ANTHROPIC, ForcedState.NONE, "arn:aws:iam::123456789012:user/operator");
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        at("12:00:10");
        request(3);

        Map<Instant, State> timeline = AlarmModel.of(template, "CircuitOpenedAlarm").timeline(h.emf.parsed(), t("10:00:00"), t("12:10:00"));

        assertEquals(List.of(), not(State.ALARM, timeline, "10:01:00", "12:00:00"), "no request, no news: the last state seen holds");
        assertEquals(List.of(), not(State.OK, timeline, "12:01:00", "12:10:00"));
    }

    @Test
    @DisplayName("a dead-letter function that fails a message leaves no trace in its own metrics: the dead-letter alarm reads the queue")
    void deadLetterFailuresSeenOnTheQueue() {
        h.dynamoFaults.failNext(UpdateItemRequest.class, 10,
                () -> DynamoDbException.builder().message("down").statusCode(500).build());
        h.dynamoFaults.failNext(GetItemRequest.class, 10,
                () -> DynamoDbException.builder().message("down").statusCode(500).build());
        SQSEvent dead = SampleEvents.sqs("dead-letter.json");
        dead.setRecords(dead.getRecords().subList(0, 1)); // quest_description 4242

        SQSBatchResponse response = new DeadLetterHandler(Wiring.deadLetter(h.outside())).handleRequest(dead, FakeContext.withSeconds(30));

        assertEquals(1, response.getBatchItemFailures().size(), "the message goes back to the queue; the invocation itself succeeds (no Errors)");
        assertTrue(h.emf.parsed().stream().noneMatch(d -> d.has("DeadLetters")), "and no DeadLetters count");
        // So the alarm must see the queue: a failed message is visible between receives or in flight the rest of the
        // time, so in every period either the Maximum of visible or the Minimum of in-flight messages is at least 1.
        JsonNode alarm = template.root().path("Resources").path("DeadLetterAlarm").path("Properties");
        Map<String, String> statOf = new HashMap<>();
        String expression = "";
        for (JsonNode m : alarm.path("Metrics")) {
            if (m.has("Expression")) {
                expression = m.path("Expression").asText();
                continue;
            }
            JsonNode metric = m.path("MetricStat").path("Metric");
            if (metric.path("Namespace").asText().equals("AWS/SQS")) {
                assertEquals("DeadLetterQueue.QueueName", metric.path("Dimensions").get(0).path("Value").asText());
            }
            statOf.put(metric.path("MetricName").asText() + "/" + m.path("MetricStat").path("Stat").asText(), m.path("Id").asText());
        }
        assertTrue(statOf.containsKey("ApproximateNumberOfMessagesVisible/Maximum"), statOf.toString());
        assertTrue(statOf.containsKey("ApproximateNumberOfMessagesNotVisible/Minimum"), statOf.toString());
        assertFalse(statOf.keySet().stream().anyMatch(k -> k.startsWith("ApproximateAgeOfOldestMessage")),
                "it skips a message received more than three times: exactly the one a failing consumer keeps receiving");
        for (String id : statOf.values()) {
            assertTrue(expression.contains(id), id + " is in " + expression);
        }
        assertEquals("GreaterThanOrEqualToThreshold", alarm.path("ComparisonOperator").asText());
        assertEquals(1, alarm.path("Threshold").asInt());
    }

    @Test
    @DisplayName("EventsFailedAlarm does not clear itself when its unconsumed queue's metrics stop (SQS stops them after six idle hours)")
    void eventsFailedHolds() {
        JsonNode alarm = template.root().path("Resources").path("EventsFailedAlarm").path("Properties");
        assertEquals("EventsFailureQueue.QueueName", alarm.path("Dimensions").get(0).path("Value").asText());
        assertTrue(template.root().path("Resources").path("StreamEventsFunction").toString().contains("EventsFailureQueue.Arn"));
        assertTrue(Set.of("ignore", "breaching").contains(alarm.path("TreatMissingData").asText()),
                "missing data must keep the state (or breach), never read as OK: " + alarm.path("TreatMissingData").asText());
        template.resources("AWS::Serverless::Function").forEach((id, f) -> f.path("Properties").path("Events").forEach(e ->
                assertFalse(e.path("Type").asText().equals("SQS") && e.path("Properties").path("Queue").asText().startsWith("EventsFailureQueue"),
                        id + " consumes it: nothing does, so nothing keeps its metrics coming")));
    }

    /** Every (metric, dimension names) an alarm reads from our namespace: metric alarms, metric-math parts, Metrics Insights queries. */
    Map<String, Set<String>> alarmReads() {
        String namespace = template.globals().path("Environment").path("Variables").path("METRICS_NAMESPACE").asText();
        Map<String, Set<String>> reads = new TreeMap<>();
        Pattern insights = Pattern.compile("SELECT \\w+\\((\\w+)\\) FROM SCHEMA\\(\\\\?\"([^\"\\\\]+)\\\\?\",\\s*([\\w, ]+)\\)");
        template.resources("AWS::CloudWatch::Alarm").forEach((id, alarm) -> {
            JsonNode p = alarm.path("Properties");
            if (p.has("MetricName") && p.path("Namespace").asText().equals(namespace)) {
                Set<String> dims = new TreeSet<>();
                p.path("Dimensions").forEach(d -> dims.add(d.path("Name").asText()));
                reads.put(id + ":" + p.path("MetricName").asText(), dims);
            }
            for (JsonNode m : p.path("Metrics")) {
                JsonNode metric = m.path("MetricStat").path("Metric");
                if (metric.path("Namespace").asText().equals(namespace)) {
                    Set<String> dims = new TreeSet<>();
                    metric.path("Dimensions").forEach(d -> dims.add(d.path("Name").asText()));
                    reads.put(id + ":" + metric.path("MetricName").asText(), dims);
                }
                Matcher q = insights.matcher(m.path("Expression").asText());
                if (q.find()) {
                    assertEquals(namespace, q.group(2), id);
                    reads.put(id + ":" + q.group(1), new TreeSet<>(List.of(q.group(3).split(",\\s*"))));
                }
            }
        });
        return reads;
    }

    @Test
    @DisplayName("every metric an alarm reads from our namespace is written by the code under exactly the dimensions the alarm names (the totals have none)")
    void alarmsReadWhatTheCodeWrites() {
        // One of each: a budget in force, a served request, a refused reply, an opening, a spend-limit answer, a dead letter.
        h.circuits.writeStackSettings(new StackSettings("claude-sonnet-4-5", 1024, anthropic.baseUrl(), 1_000_000L));
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        request(1);
        anthropic.replies(FakeAnthropic.QUEST_JSON, "refusal");
        request(2);
        anthropic.failsWith(503);
        request(3);
        request(4);
        request(5);
        request(50); // sees it open
        h.clock.advance(Duration.ofMinutes(10));
        h.reset().reset(dev.loresmith.llm.Provider.ANTHROPIC, 1);
        anthropic.answers(429, Map.of(), SPEND_LIMIT);
        request(6);
        new DeadLetterHandler(Wiring.deadLetter(h.outside())).handleRequest(SampleEvents.sqs("dead-letter.json"), FakeContext.withSeconds(30));
        List<JsonNode> emf = h.emf.parsed();

        Map<String, Set<String>> reads = alarmReads();
        assertTrue(reads.keySet().containsAll(List.of("CircuitOpeningAlarm:CircuitOpened", "CircuitOpenSeenAlarm:CircuitState",
                "SpendLimitReachedAlarm:SpendLimitReached", "DeadLetterAlarm:DeadLetters", "FallbackRatioAlarm:Fallbacks",
                "FallbackRatioAlarm:Generations", "BudgetAlarm:BudgetUsedPercent", "QualityAlarm:QualityFailureRate")), reads.toString());
        reads.forEach((read, dims) -> {
            String metric = read.substring(read.indexOf(':') + 1);
            assertTrue(emf.stream().anyMatch(doc -> EmfDocuments.carries(doc, metric, dims)),
                    read + " reads " + metric + " with dimensions " + dims + "; the code writes it with "
                            + emf.stream().map(d -> EmfDocuments.dimensionSets(d, metric)).filter(s -> !s.isEmpty()).distinct().toList());
        });
        // The breaching values are the ones the code writes when the condition holds.
        assertTrue(emf.stream().anyMatch(d -> d.path("CircuitOpened").asInt() == 1));
        assertTrue(emf.stream().anyMatch(d -> d.path("SpendLimitReached").asInt() == 1));
        assertTrue(emf.stream().anyMatch(d -> d.path("CircuitState").asInt() >= 2), "requests see the open circuit as 2");
    }
}
