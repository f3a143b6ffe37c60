package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.loresmith.testing.LambdaEvents;
import dev.loresmith.testing.Template;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's events/*.json — the same files `sam local invoke -e` and the local runner take. */
final class SampleEvents {

    private SampleEvents() {
    }

    static Path path(String name) {
        return Template.repositoryRoot().resolve("events").resolve(name);
    }

    static SQSEvent sqs(String name) {
        return LambdaEvents.read(SQSEvent.class, path(name));
    }

    static APIGatewayV2HTTPEvent http(String name) {
        return LambdaEvents.read(APIGatewayV2HTTPEvent.class, path(name));
    }

    static byte[] bytes(String name) {
        try {
            return Files.readAllBytes(path(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
