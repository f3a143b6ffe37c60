package dev.loresmith.bench;

import dev.loresmith.testing.Template;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark's output reads in order, with docs/PERFORMANCE.md's numbering (running it takes minutes: see the README). */
class BenchmarkTest {

    @Test
    @DisplayName("the benchmark runs and prints its sections 1, 2, 3 ... in order, each on the subject docs/PERFORMANCE.md gives that number")
    void sectionsInOrder() throws IOException {
        List<Integer> printed = Benchmark.SECTIONS.stream().map(Benchmark.Section::number).toList();
        assertEquals(IntStream.rangeClosed(1, printed.size()).boxed().toList(), printed);

        String doc = Files.readString(Template.repositoryRoot().resolve("docs/PERFORMANCE.md"));
        for (Benchmark.Section section : Benchmark.SECTIONS) {
            Matcher heading = Pattern.compile("(?m)^## " + section.number() + "\\. (\\S+)").matcher(doc);
            assertTrue(heading.find(), "docs/PERFORMANCE.md has a section " + section.number());
            assertEquals(heading.group(1).toLowerCase(Locale.ROOT), section.heading().split("[ :]", -1)[0].toLowerCase(Locale.ROOT),
                    "section " + section.number() + " is on the same subject in both");
        }
    }
}
