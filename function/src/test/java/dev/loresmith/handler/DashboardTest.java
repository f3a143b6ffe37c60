package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.content.ContentId;
import dev.loresmith.content.ContentKey;
import dev.loresmith.content.RequestMessages;
import dev.loresmith.item.Claim;
import dev.loresmith.llm.Provider;
import dev.loresmith.storage.StackSettings;
import dev.loresmith.testing.EmfDocuments;
import dev.loresmith.testing.FakeAnthropic;
import dev.loresmith.testing.FakeContext;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.LambdaEvents;
import dev.loresmith.testing.Template;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operators' dashboard (template.yaml's {@code Dashboard}) against what the code really writes: every widget's metric
 * from our namespace is in the EMF documents the handlers write — the real {@link SqsGenerateHandler} and
 * {@link DeadLetterHandler}, through an outage and its recovery — under exactly the dimensions the widget names, and every
 * metric the code writes has a widget. Like {@link AlarmsTest} for the alarms.
 */
class DashboardTest extends FlowTest {

    static final Pattern INSIGHTS = Pattern.compile("SELECT \\w+\\((\\w+)\\) FROM SCHEMA\\(\"([^\"]+)\",\\s*([\\w, ]+)\\)");
    static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Za-z0-9]+)(?:\\.([A-Za-z]+))?}");

    final Template template = Template.load();
    final String namespace = template.globals().path("Environment").path("Variables").path("METRICS_NAMESPACE").asText();

    /** The dashboard's !Sub: its text, then its variables. */
    JsonNode sub() {
        Map<String, JsonNode> dashboards = template.resources("AWS::CloudWatch::Dashboard");
        assertEquals(Set.of("Dashboard"), dashboards.keySet());
        JsonNode sub = dashboards.get("Dashboard").path("Properties").path("DashboardBody");
        assertTrue(sub.isArray() && sub.size() == 2, "!Sub [text, variables]");
        return sub;
    }

    /**
     * The dashboard's body: !Sub's text, whose ${...} references stay as they are, and whose one unquoted variable, the
     * circuit alarms' list, stands in as one quoted entry (JSON does not mind either).
     */
    JsonNode body() {
        return TestJson.parse(sub().get(0).asText().replace("${CircuitAlarms}", "\"${CircuitAlarms}\""));
    }

    /** What CircuitAlarms resolves to for each Providers order: the !If of UsesAnthropic, then of UsesBedrock. */
    Map<String, Set<String>> circuitAlarms() {
        JsonNode choice = sub().get(1).path("CircuitAlarms"); // !If [UsesAnthropic, !If [UsesBedrock, both, anthropic], bedrock]
        assertEquals("UsesAnthropic", choice.get(0).asText());
        assertEquals("UsesBedrock", choice.get(1).get(0).asText());
        return Map.of("anthropic,bedrock", references(choice.get(1).get(1).asText()), "anthropic", references(choice.get(1).get(2).asText()),
                "bedrock", references(choice.get(2).asText()));
    }

    static Set<String> references(String text) {
        Set<String> found = new TreeSet<>();
        Matcher m = REFERENCE.matcher(text);
        while (m.find()) {
            found.add(m.group(1) + (m.group(2) == null ? "" : "." + m.group(2)));
        }
        return found;
    }

    /** Widget title → each (metric, dimension names) it reads from our namespace, plain metrics and Metrics Insights queries alike. */
    Map<String, List<Read>> reads() {
        Map<String, List<Read>> reads = new LinkedHashMap<>();
        for (JsonNode widget : body().path("widgets")) {
            if (!widget.path("type").asText().equals("metric")) {
                continue;
            }
            String title = widget.path("properties").path("title").asText();
            List<Read> read = new ArrayList<>();
            Set<String> ids = new HashSet<>();
            List<String> expressions = new ArrayList<>();
            for (JsonNode line : widget.path("properties").path("metrics")) {
                JsonNode options = line.get(line.size() - 1).isObject() ? line.get(line.size() - 1) : null;
                if (options != null && options.has("id")) {
                    ids.add(options.path("id").asText());
                }
                if (line.get(0).isObject()) { // an expression
                    String expression = line.get(0).path("expression").asText();
                    Matcher q = INSIGHTS.matcher(expression);
                    if (q.find()) {
                        assertEquals(namespace, q.group(2), title);
                        read.add(new Read(q.group(1), new TreeSet<>(List.of(q.group(3).split(",\\s*")))));
                    } else {
                        expressions.add(expression);
                    }
                    continue;
                }
                if (!line.get(0).asText().equals(namespace)) {
                    continue;
                }
                Set<String> dimensions = new TreeSet<>();
                for (int i = 2; i + 1 < line.size() && line.get(i).isTextual(); i += 2) {
                    dimensions.add(line.get(i).asText());
                }
                read.add(new Read(line.get(1).asText(), dimensions));
            }
            for (String expression : expressions) {
                Matcher names = Pattern.compile("\\b([a-z][A-Za-z0-9]*)\\b(?!\\s*\\()").matcher(expression);
                while (names.find()) {
                    assertTrue(ids.contains(names.group(1)), title + ": its math reads " + names.group(1) + ", which no metric of it is");
                }
            }
            reads.put(title, read);
        }
        return reads;
    }

    record Read(String metric, Set<String> dimensions) {
    }

    void handle(SQSEvent.SQSMessage message) {
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(message));
        new SqsGenerateHandler(Wiring.generate(h.outside())).handleRequest(event, new FakeContext(45_000));
    }

    void request(long id) {
        handle(LambdaEvents.sqsMessage("{\"contentType\":\"quest_description\",\"contentId\":" + id + "}", Claim.Kind.REQUEST));
    }

    void upgrade(long id) {
        handle(LambdaEvents.sqsMessage(RequestMessages.of(new ContentKey("quest_description", ContentId.parse(Long.toString(id))), null),
                Claim.Kind.UPGRADE));
    }

    /** What the handlers write through an outage and its recovery: one of every document the dashboard reads. */
    List<JsonNode> emf() {
        h.circuits.writeStackSettings(new StackSettings("claude-sonnet-4-5", 1024, anthropic.baseUrl(), 1_000_000L));
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        request(1); // served: latency, tokens, budget
        anthropic.replies(FakeAnthropic.QUEST_JSON, "refusal");
        request(2); // a quality failure
        anthropic.failsWith(503);
        request(3);
        request(4);
        request(5); // the third counted failure opens the circuit; each owes an upgrade
        request(50); // sees it open
        h.clock.advance(Duration.ofMinutes(10));
        h.reset().reset(Provider.ANTHROPIC, 1);
        upgrade(3); // the probe fails: open again
        h.clock.advance(Duration.ofMinutes(10));
        h.reset().reset(Provider.ANTHROPIC, 2);
        anthropic.replies(FakeAnthropic.QUEST_JSON);
        upgrade(4); // the probe succeeds: closed, and the fallback upgraded
        anthropic.answers(429, Map.of(), AlarmsTest.SPEND_LIMIT);
        request(6); // spend limit: calls held back
        request(7); // held back by the shared throttle
        new DeadLetterHandler(Wiring.deadLetter(h.outside())).handleRequest(SampleEvents.sqs("dead-letter.json"), FakeContext.withSeconds(30));
        return h.emf.parsed();
    }

    @Test
    @DisplayName("every metric a widget reads from our namespace is written by the code under exactly the dimensions the widget names")
    void widgetsReadWhatTheCodeWrites() {
        List<JsonNode> emf = emf();
        assertTrue(emf.stream().anyMatch(d -> d.path("Upgraded").asInt() == 1), "the successful probe upgraded its item");
        assertEquals(6, emf.stream().mapToInt(d -> d.path("UpgradesOwed").asInt()).sum(),
                "owed once per fallback served for an upgradeable reason (3, 4, 5, 50, 6, 7), not again when an upgrade attempt fails");
        assertEquals(1, emf.stream().mapToInt(d -> d.path("Upgraded").asInt()).sum());
        assertTrue(emf.stream().anyMatch(d -> d.path("ProbeFailed").asInt() == 1) && emf.stream().anyMatch(d -> d.path("ProbeSucceeded").asInt() == 1));
        assertTrue(emf.stream().anyMatch(d -> d.path("ThrottledCalls").asInt() == 1));

        Map<String, List<Read>> reads = reads();
        assertTrue(reads.size() >= 10, reads.keySet().toString());
        reads.forEach((title, list) -> {
            assertFalse(list.isEmpty(), title + " reads nothing of ours");
            for (Read read : list) {
                if (title.startsWith("Queue depth") && !read.metric().equals("DeadLetters")) {
                    continue; // the AWS/SQS lines: checked below
                }
                assertTrue(emf.stream().anyMatch(doc -> EmfDocuments.carries(doc, read.metric(), read.dimensions())),
                        title + " reads " + read.metric() + " with dimensions " + read.dimensions() + "; the code writes it with "
                                + emf.stream().map(d -> EmfDocuments.dimensionSets(d, read.metric())).filter(s -> !s.isEmpty()).distinct().toList());
            }
        });
    }

    @Test
    @DisplayName("every metric the code writes has a widget: requests, fallbacks by reason, circuit, latency, tokens, throttling, budget,"
            + " upgrades, dead letters, quality")
    void everyMetricOnTheDashboard() {
        Set<String> written = new TreeSet<>();
        for (JsonNode doc : emf()) {
            for (JsonNode directive : doc.path("_aws").path("CloudWatchMetrics")) {
                directive.path("Metrics").forEach(m -> written.add(m.path("Name").asText()));
            }
        }
        Set<String> shown = new TreeSet<>();
        reads().values().forEach(list -> list.forEach(r -> shown.add(r.metric())));
        Set<String> missing = new TreeSet<>(written);
        missing.removeAll(shown);
        // Per-type counts behind the rate the quality widget shows (and QualityAlarm reads).
        missing.removeAll(Set.of("QualityChecks", "QualityFailures"));
        assertEquals(Set.of(), missing, "written but on no widget");
    }

    @Test
    @DisplayName("the circuit-state widget reads the CircuitState gauge by Provider, one line per provider the code knows")
    void circuitStateWidget() {
        List<Read> circuit = reads().entrySet().stream().filter(e -> e.getKey().startsWith("Circuit state, per provider"))
                .findFirst().orElseThrow().getValue();
        assertEquals(List.of(new Read("CircuitState", Set.of("Provider")), new Read("CircuitState", Set.of("Provider"))), circuit);
        List<String> providers = new ArrayList<>();
        for (JsonNode widget : body().path("widgets")) {
            if (widget.path("properties").path("title").asText().startsWith("Circuit state, per provider")) {
                widget.path("properties").path("metrics").forEach(line -> providers.add(line.get(3).asText()));
            }
        }
        assertEquals(Arrays.stream(Provider.values()).map(Provider::wireName).toList(), providers);
    }

    @Test
    @DisplayName("the queue and alarm widgets name this stack's resources, and the DashboardUrl output opens this dashboard")
    void resourcesAndOutput() {
        JsonNode body = body();
        Set<String> referenced = new TreeSet<>();
        for (String reference : references(sub().get(0).asText())) {
            if (!reference.startsWith("AWS.") && !reference.equals("CircuitAlarms")) {
                referenced.add(reference);
            }
        }
        for (String reference : referenced) {
            String resource = reference.substring(0, reference.indexOf('.'));
            String type = template.root().path("Resources").path(resource).path("Type").asText();
            assertTrue(reference.endsWith(".QueueName") ? type.equals("AWS::SQS::Queue")
                    : reference.endsWith(".Arn") && type.matches("AWS::CloudWatch::(Composite)?Alarm"), reference + " is a " + type);
        }
        assertTrue(referenced.containsAll(Set.of("GenerateQueue.QueueName", "DeadLetterQueue.QueueName")), referenced.toString());

        Set<String> notifying = new TreeSet<>();
        template.resources("AWS::CloudWatch::Alarm").forEach((id, alarm) -> {
            if (alarm.path("Properties").has("AlarmActions")) {
                notifying.add(id + ".Arn");
            }
        });
        Set<String> onDashboard = new TreeSet<>();
        for (JsonNode widget : body.path("widgets")) {
            if (widget.path("type").asText().equals("alarm")) {
                widget.path("properties").path("alarms").forEach(a -> onDashboard.add(a.asText().replaceAll("^\\$\\{|}$", "")));
            }
        }
        assertTrue(onDashboard.remove("CircuitAlarms"), "the circuit alarms come through the CircuitAlarms variable");
        assertEquals(notifying, onDashboard, "the alarm widget shows every metric alarm that notifies");
        // The composite circuit alarms exist only for the providers deployed: each order shows exactly its own.
        Map<String, JsonNode> composites = template.resources("AWS::CloudWatch::CompositeAlarm");
        circuitAlarms().forEach((order, alarms) -> {
            Set<String> expected = new TreeSet<>();
            composites.forEach((id, alarm) -> {
                String condition = alarm.path("Condition").asText();
                boolean deployed = condition.equals("UsesAnthropic") ? !order.equals("bedrock") : condition.equals("UsesBedrock") ? !order.equals("anthropic") : true;
                if (deployed) {
                    expected.add(id + ".Arn");
                }
            });
            assertEquals(expected, alarms, "Providers=" + order);
        });

        String url = template.root().path("Outputs").path("DashboardUrl").path("Value").asText();
        assertTrue(url.contains("#dashboards/dashboard/${Dashboard}") && url.contains("region=${AWS::Region}"), url);
    }
}
