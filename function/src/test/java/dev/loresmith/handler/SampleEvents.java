package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.loresmith.testing.Template;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/** The repository's events/*.json — the same files `sam local invoke -e` takes. */
final class SampleEvents {

    private SampleEvents() {
    }

    static String path(String name) {
        return Template.repositoryRoot().resolve("events").resolve(name).toString();
    }

    static SQSEvent sqs(String name) {
        return EventLoader.loadSQSEvent(path(name));
    }

    static APIGatewayV2HTTPEvent http(String name) {
        return EventLoader.loadApiGatewayHttpEvent(path(name));
    }

    static byte[] bytes(String name) {
        try {
            return Files.readAllBytes(Template.repositoryRoot().resolve("events").resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
