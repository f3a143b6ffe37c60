package dev.loresmith.testing;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;

/** Reading CloudWatch Embedded Metric Format documents as CloudWatch does: which metric goes out under which dimensions. */
public final class EmfDocuments {

    private EmfDocuments() {
    }

    /** The dimension sets (each as sorted names; the empty set for the totals) under which {@code doc} publishes {@code metric}. */
    public static Set<Set<String>> dimensionSets(JsonNode doc, String metric) {
        Set<Set<String>> sets = new LinkedHashSet<>();
        for (JsonNode directive : doc.path("_aws").path("CloudWatchMetrics")) {
            boolean listed = false;
            for (JsonNode m : directive.path("Metrics")) {
                listed |= m.path("Name").asText().equals(metric);
            }
            if (!listed) {
                continue;
            }
            for (JsonNode set : directive.path("Dimensions")) {
                Set<String> names = new TreeSet<>();
                set.forEach(n -> names.add(n.asText()));
                sets.add(names);
            }
        }
        return sets;
    }

    /** Whether {@code doc} publishes {@code metric} under exactly the dimension names {@code dimensions}, with a numeric value. */
    public static boolean carries(JsonNode doc, String metric, Set<String> dimensions) {
        return doc.path(metric).isNumber() && dimensionSets(doc, metric).contains(new TreeSet<>(dimensions));
    }
}
