package dev.loresmith.handler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.Handlers;
import dev.loresmith.testing.Template;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SnapStart priming warms each handler's first-request path, changes nothing anywhere, and only does what the
 * function's own role in template.yaml allows — a warm-up its role forbids fails, and leaves that snapshot cold.
 */
class PrimingTest extends FlowTest {

    final Template template = Template.load();

    /** Each function's handler, built and primed on the harness; the DynamoDB requests its priming made. */
    Map<String, List<SdkRequest>> primeEach() throws Exception {
        Map<String, List<SdkRequest>> byFunction = new LinkedHashMap<>();
        for (String function : template.resources("AWS::Serverless::Function").keySet()) {
            Class<?> type = Class.forName(template.handlerClass(function));
            Object handler = Handlers.build(type, h.outside());
            h.dynamoRequests.clear();
            Method prime;
            try {
                prime = type.getDeclaredMethod("prime");
            } catch (NoSuchMethodException e) {
                byFunction.put(function, List.of()); // nothing to warm (the custom resource runs once per deploy)
                continue;
            }
            prime.setAccessible(true);
            prime.invoke(handler);
            byFunction.put(function, h.dynamoRequests.all());
        }
        return byFunction;
    }

    @Test
    @DisplayName("priming reads only, with consistent reads, and writes nothing, calls no API, schedules nothing, sends nothing")
    void sideEffectFree() throws Exception {
        primeEach();

        assertEquals(0, h.dynamo().scan(r -> r.tableName(h.tableNames.content())).count());
        assertEquals(0, h.dynamo().scan(r -> r.tableName(h.tableNames.circuit())).count());
        assertEquals(0, anthropic.requestCount());
        assertTrue(aws.createdSchedules().isEmpty());
        assertEquals(0, aws.secretReads());
        assertTrue(h.queue.messages().isEmpty());
        assertTrue(h.published.events().isEmpty());
        assertTrue(h.emf.lines().isEmpty(), "no metrics from priming");
    }

    @Test
    @DisplayName("each handler primes only what its role in template.yaml may do")
    void withinItsRole() throws Exception {
        for (Map.Entry<String, List<SdkRequest>> primed : primeEach().entrySet()) {
            String function = primed.getKey();
            String role = template.resources("AWS::Serverless::Function").get(function).path("Properties").path("Role").asText()
                    .replace(".Arn", "");
            for (SdkRequest request : primed.getValue()) {
                String table;
                String action;
                if (request instanceof GetItemRequest read) {
                    assertTrue(read.consistentRead());
                    table = read.tableName();
                    action = "dynamodb:GetItem";
                } else if (request instanceof BatchGetItemRequest batch) {
                    assertTrue(batch.requestItems().values().stream().allMatch(KeysAndAttributes::consistentRead));
                    table = batch.requestItems().keySet().iterator().next();
                    action = "dynamodb:BatchGetItem";
                } else {
                    throw new AssertionError(function + " primes with reads only, not " + request.getClass().getSimpleName());
                }
                String resource = table.equals(h.tableNames.content()) ? "ContentTable" : "CircuitTable";
                assertTrue(allows(role, action, resource + ".Arn"), function + " primes " + action + " on " + resource + ", which " + role
                        + " does not allow");
            }
        }
    }

    @Test
    @DisplayName("the functions that serve requests are primed (their snapshots are warm)")
    void warmSnapshots() throws Exception {
        Map<String, List<SdkRequest>> primed = primeEach();
        for (String function : List.of("GenerateFunction", "ApiFunction", "CircuitFunction", "ResetFunction", "DeadLetterFunction", "SweepFunction")) {
            assertTrue(!primed.get(function).isEmpty(), function + " reads its table before the snapshot");
        }
    }

    /** Whether the role's inline policies allow {@code action} on the resource {@code resource} (as the template names it). */
    boolean allows(String role, String action, String resource) {
        List<JsonNode> statements = new ArrayList<>();
        template.resources("AWS::IAM::Role").get(role).path("Properties").path("Policies")
                .forEach(p -> p.path("PolicyDocument").path("Statement").forEach(statements::add));
        for (JsonNode statement : statements) {
            if (!"Allow".equals(statement.path("Effect").asText())) {
                continue;
            }
            boolean actionOk = statement.path("Action").isArray()
                    ? StreamSupport.stream(statement.path("Action").spliterator(), false).anyMatch(a -> a.asText().equals(action))
                    : statement.path("Action").asText().equals(action);
            boolean resourceOk = statement.path("Resource").isArray()
                    ? StreamSupport.stream(statement.path("Resource").spliterator(), false).anyMatch(r -> r.asText().equals(resource))
                    : statement.path("Resource").asText().equals(resource);
            if (actionOk && resourceOk) {
                return true;
            }
        }
        return false;
    }

    @Test
    @DisplayName("no random state a snapshot would copy: randomness comes from SecureRandom/UUID.randomUUID, or ThreadLocalRandom mixed with nanoTime")
    void randomnessSurvivesRestore() throws IOException {
        Path main = Template.repositoryRoot().resolve("function/src/main/java");
        List<String> problems = new ArrayList<>();
        try (Stream<Path> files = Files.walk(main)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i).trim();
                    if (line.startsWith("*") || line.startsWith("//") || line.startsWith("import")) {
                        continue;
                    }
                    if (line.matches(".*new (java\\.util\\.)?(Random|SplittableRandom)\\(.*") || line.contains("Math.random(")) {
                        problems.add(main.relativize(file) + ":" + (i + 1) + " seeds a generator a snapshot would copy: " + line);
                    }
                    if (line.contains("ThreadLocalRandom.current()") && !line.contains("System.nanoTime()")) {
                        problems.add(main.relativize(file) + ":" + (i + 1) + " draws from ThreadLocalRandom without nanoTime: " + line);
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
        String priming = Files.readString(main.resolve("dev/loresmith/handler/Priming.java"));
        assertTrue(!priming.contains("reseeded by the runtime"), "Lambda does not reseed java.util.Random or ThreadLocalRandom");
    }
}
