package dev.loresmith.handler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.generate.GenerateSettings;
import dev.loresmith.llm.Provider;
import dev.loresmith.schedule.EventBridgeResetScheduler;
import dev.loresmith.testing.Template;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What template.yaml says about providers, checked against what the code does. */
class ProvidersTemplateTest {

    final Template template = Template.load();

    JsonNode parameter(String name) {
        return template.root().path("Parameters").path(name);
    }

    @Test
    @DisplayName("Providers takes exactly the orders the code understands, anthropic by default")
    void providersParameter() {
        Set<String> allowed = new HashSet<>();
        parameter("Providers").path("AllowedValues").forEach(v -> allowed.add(v.asText()));
        Set<String> understood = new HashSet<>();
        for (String candidate : List.of("anthropic", "bedrock", "anthropic,bedrock", "bedrock,anthropic", "anthropic,anthropic", "", "openai")) {
            Provider.parseList(candidate).ifPresent(order -> understood.add(Provider.listText(order)));
        }
        assertEquals(understood, allowed);
        assertEquals("anthropic", parameter("Providers").path("Default").asText());
    }

    @Test
    @DisplayName("BedrockModelId's default is the code's, and the pattern takes models and inference profiles of Claude only")
    void bedrockModelParameter() {
        assertEquals(GenerateSettings.DEFAULT_BEDROCK_MODEL, parameter("BedrockModelId").path("Default").asText());
        Pattern allowed = Pattern.compile(parameter("BedrockModelId").path("AllowedPattern").asText());
        for (String ok : List.of("anthropic.claude-sonnet-4-5-20250929-v1:0", "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "us.anthropic.claude-haiku-4-5-20251001-v1:0", "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0")) {
            assertTrue(allowed.matcher(ok).matches(), ok);
        }
        for (String bad : List.of("meta.llama3-70b-instruct-v1:0", "claude-sonnet-4-5", "anthropic claude", "")) {
            assertFalse(allowed.matcher(bad).matches(), bad);
        }
    }

    @Test
    @DisplayName("the stack's custom resource passes Providers and BedrockModelId to the code")
    void settingsReachTheCode() {
        JsonNode properties = template.root().path("Resources").path("ConfigSettings").path("Properties");
        assertEquals("Providers", properties.path("Providers").asText());
        assertEquals("BedrockModelId", properties.path("BedrockModelId").asText());
    }

    @Test
    @DisplayName("bedrock:InvokeModel only when Bedrock is configured, only on the configured model's inference profile and foundation model")
    void bedrockPermission() {
        // !Not [!Equals [!Ref Providers, anthropic]]: the YAML reader keeps the lists, not the short tags
        assertEquals("[[\"Providers\",\"anthropic\"]]", template.root().path("Conditions").path("UsesBedrock").toString(),
                "UsesBedrock: Providers is not anthropic alone");
        List<String> holders = new ArrayList<>();
        template.resources("AWS::IAM::Role").forEach((id, role) -> {
            if (role.toString().contains("bedrock:")) {
                holders.add(id);
            }
        });
        assertEquals(List.of("GenerateRole"), holders, "only the generate function calls Bedrock");
        JsonNode conditional = null;
        for (JsonNode policy : template.resources("AWS::IAM::Role").get("GenerateRole").path("Properties").path("Policies")) {
            for (JsonNode statement : policy.path("PolicyDocument").path("Statement")) {
                if (statement.toString().contains("bedrock:InvokeModel")) {
                    conditional = statement;
                }
            }
        }
        assertTrue(conditional != null && conditional.isArray() && conditional.get(0).asText().equals("UsesBedrock"),
                "the statement is !If [UsesBedrock, ..., AWS::NoValue]: " + conditional);
        JsonNode statement = conditional.get(1);
        assertEquals("bedrock:InvokeModel", statement.path("Action").asText(), "InvokeModel only: no streaming, no other action");
        String resources = statement.path("Resource").toString();
        assertTrue(resources.contains(":inference-profile/${BedrockModelId}"), resources);
        assertTrue(resources.contains("::foundation-model/anthropic.${Model}"), resources);
        assertFalse(resources.contains("foundation-model/*\""), "never every model");
    }

    @Test
    @DisplayName("every reset schedule the code creates — each provider's — is one the generate role may create and the scheduler role may run")
    void scheduleNamesFitTheirPermissions() {
        String generate = template.resources("AWS::IAM::Role").get("GenerateRole").toString();
        String scheduler = template.resources("AWS::IAM::Role").get("SchedulerRole").toString();
        for (Provider provider : Provider.values()) {
            String name = EventBridgeResetScheduler.scheduleName(provider, 7);
            for (String policy : List.of(generate, scheduler)) {
                assertTrue(schedulePatterns(policy).stream().anyMatch(p -> p.matcher("schedule/${ResetScheduleGroup}/" + name).matches()),
                        name + " is not covered by " + schedulePatterns(policy));
            }
        }
    }

    /** The schedule ARNs a policy names, as patterns ({@code *} any characters), from {@code schedule/} on. */
    static List<Pattern> schedulePatterns(String policy) {
        List<Pattern> patterns = new ArrayList<>();
        var m = Pattern.compile("(schedule/\\$\\{ResetScheduleGroup}/[^\"]*)\"").matcher(policy);
        while (m.find()) {
            patterns.add(Pattern.compile(Pattern.quote(m.group(1)).replace("*", "\\E.*\\Q")));
        }
        return patterns;
    }
}
