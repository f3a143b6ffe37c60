package dev.loresmith.handler;

import dev.loresmith.testing.Template;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** samconfig.toml as the SAM CLI reads it: a command's own parameters over its environment's global ones. */
class SamConfigTest {

    /** "env.command.parameters" → key → value (strings unquoted), for the flat TOML samconfig.toml is written in. */
    static Map<String, Map<String, String>> sections() throws IOException {
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        Map<String, String> current = new LinkedHashMap<>();
        Pattern header = Pattern.compile("^\\[([a-z_.]+)]\\s*$");
        Pattern entry = Pattern.compile("^([a-z_]+)\\s*=\\s*\"?([^\"]*)\"?\\s*$");
        for (String line : Files.readAllLines(Template.repositoryRoot().resolve("samconfig.toml"))) {
            line = line.trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher h = header.matcher(line);
            Matcher e = entry.matcher(line);
            if (h.matches()) {
                current = sections.computeIfAbsent(h.group(1), k -> new LinkedHashMap<>());
            } else if (e.matches()) {
                current.put(e.group(1), e.group(2));
            }
        }
        return sections;
    }

    /** The value a command sees in an environment: its own section, else the environment's global one. */
    static String value(Map<String, Map<String, String>> sections, String env, String command, String key) {
        String own = sections.getOrDefault(env + "." + command + ".parameters", Map.of()).get(key);
        return own != null ? own : sections.getOrDefault(env + ".global.parameters", Map.of()).get(key);
    }

    @Test
    @DisplayName("sam sync (which skips change sets and, with --watch, redeploys on every save) never targets the stack sam deploy manages")
    void syncHasItsOwnStack() throws IOException {
        Map<String, Map<String, String>> sections = sections();
        String production = value(sections, "default", "deploy", "stack_name");
        assertEquals("loresmith", production);
        for (String env : sections.keySet().stream().map(s -> s.substring(0, s.indexOf('.'))).distinct().toList()) {
            String synced = value(sections, env, "sync", "stack_name");
            assertTrue(synced != null, env + ": sync names a stack");
            assertNotEquals(production, synced, env + ": sam sync would redeploy the production stack on every save");
        }
        assertEquals(value(sections, "default", "sync", "stack_name"), value(sections, "dev", "deploy", "stack_name"),
                "--config-env dev deploys (and tails the logs of) the stack sam sync works on");
    }
}
