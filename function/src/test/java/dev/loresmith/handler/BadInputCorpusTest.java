package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.testing.FakeContext;
import dev.loresmith.testing.FlowTest;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every file under test resources {@code bad-requests/} is a malformed request body, named
 * {@code <field>--<what>.json} after the field its error must name. Each goes through both the API and
 * the SQS handler: a clear error naming that field, no exception past the handler, nothing written.
 */
class BadInputCorpusTest extends FlowTest {

    static Stream<Path> corpus() throws IOException, URISyntaxException {
        Path dir = Path.of(BadInputCorpusTest.class.getResource("/bad-requests").toURI());
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    /** Player text in a body: it may be named in an error's field or position, never quoted. */
    static final String PLAYER_TEXT = "PLAYER_PRIVATE_NOTE_1234";

    static String expectedField(Path file) {
        String name = file.getFileName().toString();
        String field = name.substring(0, name.indexOf("--"));
        return field.equals("unprintable") ? "(unprintable field name)" : field;
    }

    /** Neither the answer nor any log line may quote what the player wrote. */
    void assertNoPlayerText(String answer) {
        assertTrue(!answer.contains(PLAYER_TEXT) && !answer.contains("PLAYER PRIVATE"), answer);
        h.logs.lines().forEach(line -> assertTrue(!line.contains(PLAYER_TEXT) && !line.contains("PLAYER PRIVATE"), line));
    }

    static boolean validUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    void assertNothingWritten() {
        assertEquals(0, h.dynamo().scan(r -> r.tableName(h.tableNames.content())).count(), "no item created");
        assertTrue(h.queue.messages().isEmpty(), "nothing enqueued");
        assertEquals(0, anthropic.requestCount(), "no API call");
    }

    @Test
    @DisplayName("the corpus holds at least 40 malformed requests")
    void corpusSize() throws Exception {
        assertTrue(corpus().count() >= 40);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    @DisplayName("API: 400 naming the field; nothing written")
    void api(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        APIGatewayV2HTTPEvent event = SampleEvents.http("api-post.json");
        // As API Gateway sends it: text as is, anything that is not UTF-8 base64-encoded.
        boolean text = validUtf8(bytes);
        event.setBody(text ? new String(bytes, StandardCharsets.UTF_8) : Base64.getEncoder().encodeToString(bytes));
        event.setIsBase64Encoded(!text);

        APIGatewayV2HTTPResponse response = new ApiHandler(Wiring.api(h.outside())).handleRequest(event, FakeContext.withSeconds(29));
        if (file.getFileName().toString().startsWith("wait--")) {
            assertEquals(202, response.getStatusCode(), "wait is a field of the HTTP API, not of queue messages");
            return;
        }

        assertEquals(400, response.getStatusCode(), response.getBody());
        JsonNode error = TestJson.parse(response.getBody());
        assertEquals(text ? expectedField(file) : "body", error.path("field").asText(), error.path("error").asText());
        assertTrue(error.path("error").asText().length() >= 15, "a sentence, not a code");
        assertNoPlayerText(response.getBody());
        assertNothingWritten();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    @DisplayName("SQS: a batch-item failure with the field and reason logged; nothing written")
    void sqs(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        SQSEvent.SQSMessage bad = new SQSEvent.SQSMessage();
        bad.setMessageId("bad-1");
        bad.setBody(new String(bytes, StandardCharsets.UTF_8)); // SQS bodies are text: invalid bytes become U+FFFD

        SQSBatchResponse response = new SqsGenerateHandler(Wiring.generate(h.outside()))
                .handleRequest(batchOf(bad), FakeContext.withSeconds(45));

        assertEquals(List.of("bad-1"), response.getBatchItemFailures().stream()
                .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList());
        List<JsonNode> rejected = h.logs.withMessage("message rejected");
        assertEquals(1, rejected.size());
        String field = rejected.get(0).path("field").asText();
        // Invalid bytes reach SQS handlers as U+FFFD: the error names the field they landed in, or the body.
        assertTrue(validUtf8(bytes) ? field.equals(expectedField(file)) : List.of(expectedField(file), "body").contains(field), field);
        assertTrue(rejected.get(0).path("reason").asText().length() >= 15);
        assertNoPlayerText(response.toString());
        assertNothingWritten();
    }

    static SQSEvent batchOf(SQSEvent.SQSMessage... messages) {
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(messages));
        return event;
    }
}
