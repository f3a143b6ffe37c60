package dev.loresmith.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The repository's {@code template.yaml}, read as a tree. CloudFormation's short tags ({@code !Ref},
 * {@code !GetAtt}, {@code !Sub}) parse as their plain scalar values, which is all tests and the local
 * runner need: resource types, properties and handler names.
 */
public final class Template {

    private final JsonNode root;

    private Template(JsonNode root) {
        this.root = root;
    }

    public static Template load() {
        Path path = locate();
        try {
            return new Template(new ObjectMapper(new YAMLFactory()).readTree(path.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    /** template.yaml sits beside function/; Maven runs with function/ as the working directory. */
    public static Path locate() {
        for (Path candidate : new Path[] {Path.of("template.yaml"), Path.of("..", "template.yaml")}) {
            if (Files.isRegularFile(candidate)) {
                return candidate.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("template.yaml not found in " + Path.of("").toAbsolutePath() + " or its parent");
    }

    /** The repository root: the directory holding template.yaml. */
    public static Path repositoryRoot() {
        return locate().getParent();
    }

    public JsonNode root() {
        return root;
    }

    /** Logical id → resource node, for every resource of {@code type}, in template order. */
    public Map<String, JsonNode> resources(String type) {
        Map<String, JsonNode> found = new LinkedHashMap<>();
        root.path("Resources").properties().forEach(e -> {
            if (type.equals(e.getValue().path("Type").asText())) {
                found.put(e.getKey(), e.getValue());
            }
        });
        return found;
    }

    /** A function's Timeout in seconds (its own, else the Globals one, else Lambda's default of 3). */
    public int functionTimeout(String logicalId) {
        JsonNode own = resources("AWS::Serverless::Function").getOrDefault(logicalId, MissingNode.getInstance())
                .path("Properties").path("Timeout");
        return own.isInt() ? own.asInt() : globals().path("Timeout").asInt(3);
    }

    /** A function's handler class name (Handler without the ::method). */
    public String handlerClass(String logicalId) {
        JsonNode function = resources("AWS::Serverless::Function").get(logicalId);
        if (function == null) {
            throw new IllegalArgumentException("template.yaml has no function " + logicalId
                    + "; functions: " + resources("AWS::Serverless::Function").keySet());
        }
        String handler = function.path("Properties").path("Handler").asText();
        int method = handler.indexOf("::");
        return method < 0 ? handler : handler.substring(0, method);
    }

    /** How many receives the generate queue allows before its redrive to the dead-letter queue. */
    public int generateQueueMaxReceives() {
        return resources("AWS::SQS::Queue").get("GenerateQueue").path("Properties").path("RedrivePolicy").path("maxReceiveCount").asInt();
    }

    /** A template parameter's default value, as text. */
    public String parameterDefault(String name) {
        JsonNode value = root.path("Parameters").path(name).path("Default");
        if (value.isMissingNode()) {
            throw new IllegalArgumentException("template.yaml has no default for parameter " + name);
        }
        return value.asText();
    }

    public JsonNode globals() {
        return root.path("Globals").path("Function");
    }
}
