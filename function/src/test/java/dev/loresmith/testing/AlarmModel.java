package dev.loresmith.testing;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A CloudWatch alarm of template.yaml, evaluated on the datapoints the code's EMF documents make — the subset of
 * CloudWatch's rules the template relies on, so a test can say "in ALARM for as long as the condition lasts" against
 * what the code really writes:
 * <ul>
 *   <li>a single-metric alarm: the EMF documents whose directive lists {@code MetricName} under exactly the alarm's
 *       dimension names, and whose dimension values are the alarm's (as CloudWatch matches a metric), aggregated per {@code Period} (aligned to the epoch) with its {@code Statistic};</li>
 *   <li>evaluated at the end of each minute on the last {@code EvaluationPeriods} complete periods: ALARM when
 *       {@code DatapointsToAlarm} of them breach, else OK; missing datapoints are not breaching or breaching as
 *       {@code TreatMissingData} says, and with {@code ignore} (one evaluation period only) keep the state;</li>
 *   <li>a composite alarm whose rule is {@code ALARM(a) OR ALARM(b) ...}.</li>
 * </ul>
 * Anything else (metric math, other rules) is refused rather than guessed at.
 */
public final class AlarmModel {

    public enum State { OK, ALARM, INSUFFICIENT_DATA }

    private static final Pattern CHILD = Pattern.compile("ALARM\\(\"\\$\\{([A-Za-z0-9]+)}\"\\)");

    private final String id;
    private final String metric;
    private final Set<String> dimensions;
    private final Map<String, String> dimensionValues;
    private final String statistic;
    private final Duration period;
    private final int evaluationPeriods;
    private final int datapointsToAlarm;
    private final double threshold;
    private final String comparison;
    private final String missing;
    private final List<AlarmModel> children;

    private AlarmModel(String id, JsonNode p, List<AlarmModel> children) {
        this.id = id;
        this.children = children;
        if (!children.isEmpty()) {
            metric = statistic = comparison = missing = null;
            dimensions = Set.of();
            dimensionValues = Map.of();
            period = Duration.ofMinutes(1);
            evaluationPeriods = datapointsToAlarm = 0;
            threshold = 0;
            return;
        }
        if (p.has("Metrics") || !p.has("MetricName")) {
            throw new UnsupportedOperationException(id + ": only single-metric alarms are modelled");
        }
        metric = p.path("MetricName").asText();
        Set<String> names = new TreeSet<>();
        Map<String, String> values = new TreeMap<>();
        p.path("Dimensions").forEach(d -> {
            names.add(d.path("Name").asText());
            values.put(d.path("Name").asText(), d.path("Value").asText());
        });
        dimensions = names;
        dimensionValues = values;
        statistic = p.path("Statistic").asText();
        period = Duration.ofSeconds(p.path("Period").asLong());
        evaluationPeriods = p.path("EvaluationPeriods").asInt();
        datapointsToAlarm = p.path("DatapointsToAlarm").asInt(evaluationPeriods);
        threshold = p.path("Threshold").asDouble();
        comparison = p.path("ComparisonOperator").asText();
        missing = p.path("TreatMissingData").asText("missing");
        if ((missing.equals("ignore") || missing.equals("missing")) && evaluationPeriods != 1) {
            throw new UnsupportedOperationException(id + ": TreatMissingData " + missing + " is modelled for one evaluation period only");
        }
    }

    /** The alarm {@code logicalId} of the template (a metric alarm, or a composite of metric alarms). */
    public static AlarmModel of(Template template, String logicalId) {
        JsonNode resource = template.root().path("Resources").path(logicalId);
        JsonNode properties = resource.path("Properties");
        if (resource.path("Type").asText().equals("AWS::CloudWatch::CompositeAlarm")) {
            String rule = properties.path("AlarmRule").asText();
            List<AlarmModel> children = new ArrayList<>();
            Matcher m = CHILD.matcher(rule);
            while (m.find()) {
                children.add(of(template, m.group(1)));
            }
            if (children.isEmpty() || !CHILD.matcher(rule).replaceAll("").replace("OR", "").isBlank()) {
                throw new UnsupportedOperationException(logicalId + ": only ALARM(...) OR ALARM(...) rules are modelled: " + rule);
            }
            return new AlarmModel(logicalId, properties, children);
        }
        if (!resource.path("Type").asText().equals("AWS::CloudWatch::Alarm")) {
            throw new IllegalArgumentException("template.yaml has no alarm " + logicalId);
        }
        return new AlarmModel(logicalId, properties, List.of());
    }

    public String metric() {
        return metric;
    }

    /**
     * This alarm's datapoints in {@code emf}: per period start, the statistic over the values of the documents whose
     * directive lists the metric under exactly the alarm's dimensions (none, for the totals), with the alarm's values.
     */
    public Map<Instant, Double> datapoints(List<JsonNode> emf) {
        Map<Instant, List<Double>> values = new TreeMap<>();
        for (JsonNode doc : emf) {
            if (!EmfDocuments.carries(doc, metric, dimensions)
                    || dimensionValues.entrySet().stream().anyMatch(d -> !doc.path(d.getKey()).asText().equals(d.getValue()))) {
                continue;
            }
            long millis = doc.path("_aws").path("Timestamp").asLong();
            Instant start = Instant.ofEpochMilli(millis - Math.floorMod(millis, period.toMillis()));
            values.computeIfAbsent(start, k -> new ArrayList<>()).add(doc.path(metric).asDouble());
        }
        Map<Instant, Double> datapoints = new TreeMap<>();
        values.forEach((start, list) -> datapoints.put(start, switch (statistic) {
            case "Sum" -> list.stream().mapToDouble(Double::doubleValue).sum();
            case "Maximum" -> list.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            case "Minimum" -> list.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            case "Average" -> list.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            case "SampleCount" -> (double) list.size();
            default -> throw new UnsupportedOperationException(id + ": statistic " + statistic);
        }));
        return datapoints;
    }

    /** The state at the end of every minute from {@code from} to {@code to} (inclusive), starting INSUFFICIENT_DATA. */
    public Map<Instant, State> timeline(List<JsonNode> emf, Instant from, Instant to) {
        if (!children.isEmpty()) {
            List<Map<Instant, State>> each = children.stream().map(c -> c.timeline(emf, from, to)).toList();
            Map<Instant, State> states = new LinkedHashMap<>();
            for (Instant t : each.get(0).keySet()) {
                states.put(t, each.stream().anyMatch(m -> m.get(t) == State.ALARM) ? State.ALARM : State.OK);
            }
            return states;
        }
        Map<Instant, Double> datapoints = datapoints(emf);
        Map<Instant, State> states = new LinkedHashMap<>();
        State state = State.INSUFFICIENT_DATA;
        for (Instant t = from; !t.isAfter(to); t = t.plus(Duration.ofMinutes(1))) {
            state = evaluate(datapoints, t, state);
            states.put(t, state);
        }
        return states;
    }

    private State evaluate(Map<Instant, Double> datapoints, Instant at, State previous) {
        long p = period.toMillis();
        long end = at.toEpochMilli() - Math.floorMod(at.toEpochMilli(), p); // the newest complete period ends here
        int breaching = 0;
        int present = 0;
        for (int i = 1; i <= evaluationPeriods; i++) {
            Double value = datapoints.get(Instant.ofEpochMilli(end - i * p));
            if (value != null) {
                present++;
                breaching += breaches(value) ? 1 : 0;
            } else if (missing.equals("breaching")) {
                breaching++;
            }
        }
        if (present == 0 && missing.equals("ignore")) {
            return previous;
        }
        if (present == 0 && missing.equals("missing")) {
            return State.INSUFFICIENT_DATA;
        }
        return breaching >= datapointsToAlarm ? State.ALARM : State.OK;
    }

    private boolean breaches(double value) {
        return switch (comparison) {
            case "GreaterThanOrEqualToThreshold" -> value >= threshold;
            case "GreaterThanThreshold" -> value > threshold;
            case "LessThanThreshold" -> value < threshold;
            case "LessThanOrEqualToThreshold" -> value <= threshold;
            default -> throw new UnsupportedOperationException(id + ": " + comparison);
        };
    }

    @Override
    public String toString() {
        return id;
    }
}
