package dev.loresmith.local;

import dev.loresmith.llm.Provider;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local runner's command line as data: which providers answer, in which order, and which of them a fake stands in for. */
class LocalCommandTest {

    static LocalCommand parse(String line) {
        return LocalCommand.parse(line.isBlank() ? List.of() : Arrays.asList(line.trim().split(" +")), Map.of());
    }

    static String fakes(LocalCommand command) {
        Map<String, String> named = new TreeMap<>();
        command.fakes().forEach((provider, behaviour) -> named.put(provider.wireName(), behaviour.wireName()));
        return named.toString();
    }

    @ParameterizedTest(name = "[{0}] -> providers {1}, fakes {2}")
    @CsvSource(delimiter = '|', value = {
            "                                                   | anthropic          | {}",
            "--fake healthy                                     | anthropic          | {anthropic=healthy}",
            "demo --fake failing                                | anthropic          | {anthropic=failing}",
            "demo --fake bedrock=healthy                        | anthropic,bedrock  | {bedrock=healthy}",
            "demo --fake bedrock=healthy --fake failing         | anthropic,bedrock  | {anthropic=failing, bedrock=healthy}",
            "demo --providers bedrock --fake healthy            | bedrock            | {bedrock=healthy}",
            "demo --providers bedrock,anthropic --fake slow     | bedrock,anthropic  | {bedrock=slow}",
            "serve --providers anthropic,bedrock --fake anthropic=rate-limiting --fake bedrock=healthy | anthropic,bedrock | {anthropic=rate-limiting, bedrock=healthy}",
            "serve --fake BEDROCK=Healthy                       | anthropic,bedrock  | {bedrock=healthy}",
            "outage                                             | anthropic,bedrock  | {}",
            "outage --providers anthropic                       | anthropic          | {}",
            "outage --providers bedrock,anthropic               | bedrock,anthropic  | {}"})
    @DisplayName("the order: --providers, else anthropic,bedrock for the outage and for a fake Bedrock, else anthropic; a bare --fake is the first's")
    void providersAndFakes(String line, String providers, String fakes) {
        LocalCommand command = parse(line == null ? "" : line);

        assertEquals(providers, Provider.listText(command.providers()));
        assertEquals(fakes, fakes(command));
    }

    @ParameterizedTest(name = "[{0}] -> {1}")
    @CsvSource(delimiter = '|', value = {
            "demo --providers openai                            | --providers: 'openai' is not one of",
            "demo --providers anthropic,anthropic               | --providers: 'anthropic,anthropic' is not one of",
            "demo --providers                                   | --providers needs a value",
            "demo --providers anthropic --fake bedrock=healthy  | bedrock is not in --providers anthropic",
            "demo --fake healthy --fake failing                 | --fake: anthropic given twice",
            "demo --fake openai=healthy                         | --fake: unknown provider 'openai'",
            "demo --fake bedrock=flaky                          | --fake: unknown behaviour 'flaky'",
            "outage --fake healthy                              | outage takes no option --fake",
            "invoke --providers bedrock                         | invoke takes no option --providers"})
    @DisplayName("a wrong order or fake is a usage error naming what is wrong, before anything starts")
    void usageErrors(String line, String message) {
        LocalCommand.Usage usage = assertThrows(LocalCommand.Usage.class, () -> parse(line));
        assertTrue(usage.getMessage().contains(message), usage.getMessage());
    }
}
