package dev.loresmith.local;

import dev.loresmith.testing.Template;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the local runner writes its files: {@code function/target/local/}, one file per name, overwritten by the next
 * run that uses the name — so nothing piles up in the system's temporary directory, and {@code mvn clean} removes it.
 */
final class LocalFiles {

    private LocalFiles() {
    }

    static Path directory() {
        Path directory = Template.repositoryRoot().resolve("function").resolve("target").resolve("local");
        try {
            return Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code name} in {@link #directory()}. */
    static Path file(String name) {
        return directory().resolve(name);
    }
}
