package dev.loresmith;

import dev.loresmith.testing.Template;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bash .ci/run} on a machine without cfn-lint or the SAM translator, as CI runs it — with a stand-in {@code mvn}
 * (the real one would run this suite again) and a {@code python3} without the modules: the checks it cannot run are said
 * to be skipped, also as its last lines, and {@code --strict} fails instead.
 */
class CiRunTest {

    @TempDir
    Path bin;

    record Result(int exit, List<String> lines) {
    }

    Result ciRun(String... args) throws Exception {
        Path bash = onPath("bash").orElse(null);
        Path dirname = onPath("dirname").orElse(null);
        Assumptions.assumeTrue(bash != null && dirname != null, "bash and dirname are needed");
        script("mvn", "echo \"stub mvn $*\"");
        script("python3", "exit 1"); // no samtranslator, no cfnlint
        Files.createSymbolicLink(bin.resolve("dirname"), dirname);
        List<String> command = new ArrayList<>(List.of(bash.toString(), ".ci/run"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(Template.repositoryRoot().toFile()).redirectErrorStream(true);
        builder.environment().put("PATH", bin.toString()); // no cfn-lint on it
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        return new Result(process.exitValue(), out.lines().toList());
    }

    private void script(String name, String body) throws IOException {
        Path file = bin.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static Optional<Path> onPath(String name) {
        return Stream.of(System.getenv("PATH").split(File.pathSeparator, -1)).map(d -> Path.of(d, name)).filter(Files::isExecutable).findFirst();
    }

    @Test
    @DisplayName("a check whose tool is missing is said to be SKIPPED where it would run and again as the last lines; the suite still runs")
    void skippedChecksAreSaid() throws Exception {
        Result run = ciRun();

        assertEquals(0, run.exit(), String.join("\n", run.lines()));
        assertTrue(run.lines().get(0).startsWith("== SKIPPED: cfn-lint template.yaml (cfn-lint is not installed"), run.lines().get(0));
        assertTrue(run.lines().contains("stub mvn -B verify"), run.lines().toString());
        List<String> last = run.lines().subList(run.lines().size() - 3, run.lines().size());
        assertEquals("== Done, but 2 check(s) SKIPPED on this machine:", last.get(0));
        assertTrue(last.get(1).startsWith("   - cfn-lint template.yaml"), last.toString());
        assertTrue(last.get(2).startsWith("   - SAM-transformed template checks"), last.toString());
    }

    @Test
    @DisplayName("with --strict (hosted CI) a missing tool fails the run before the suite")
    void strictFails() throws Exception {
        Result run = ciRun("--strict");

        assertEquals(1, run.exit(), String.join("\n", run.lines()));
        assertFalse(run.lines().contains("stub mvn -B verify"));
        String workflow = Files.readString(Template.repositoryRoot().resolve(".github/workflows/ci.yml"));
        assertTrue(workflow.contains("bash .ci/run --strict"), "hosted CI installs cfn-lint and runs strict");
    }
}
