package dev.loresmith.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.regions.Region;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * A WireMock stand-in for Amazon Bedrock Runtime's {@code InvokeModel} ({@code POST /model/{modelId}/invoke}) on a
 * loopback port. It answers with Claude's Messages body as Bedrock does, and errors as Bedrock sends them (the type in
 * {@code x-amzn-ErrorType}, a JSON body with {@code message}). Tests read what it received, and check each request's
 * SigV4 signature by signing the received request again with the same credentials and time.
 */
public final class FakeBedrock implements AutoCloseable {

    /** InvokeModel's path, for any model id. */
    public static final String PATH_PATTERN = "/model/[^/]+/invoke";
    private static final Pattern AUTHORIZATION = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=(?<key>[^/]+)/(?<day>\\d{8})/(?<region>[a-z0-9-]+)/(?<service>[a-z-]+)/aws4_request, "
                    + "SignedHeaders=(?<headers>[a-z0-9;-]+), Signature=(?<signature>[0-9a-f]{64})");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final WireMockServer server;

    public FakeBedrock() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().containerThreads(40)
                .jettyAcceptors(1).asynchronousResponseEnabled(false));
        server.start();
        repliesForEachType();
    }

    /** The endpoint to set as {@code AWS_ENDPOINT_URL_BEDROCK_RUNTIME}. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.port();
    }

    public void reset() {
        server.resetAll();
    }

    /** Every request answered with a valid document of the type it asks for (told apart by the fields it names). */
    public void repliesForEachType() {
        repliesForEachTypeAfter(0);
    }

    public void repliesForEachTypeAfter(int delayMillis) {
        server.resetAll();
        server.stubFor(post(urlPathMatching(PATH_PATTERN)).atPriority(10).willReturn(ok(FakeAnthropic.QUEST_JSON, "end_turn", delayMillis)));
        server.stubFor(post(urlPathMatching(PATH_PATTERN)).atPriority(1).withRequestBody(WireMock.containing("headline"))
                .willReturn(ok(FakeAnthropic.EVENT_JSON, "end_turn", delayMillis)));
        server.stubFor(post(urlPathMatching(PATH_PATTERN)).atPriority(1).withRequestBody(WireMock.containing("speaker"))
                .willReturn(ok(FakeAnthropic.RUMOR_JSON, "end_turn", delayMillis)));
    }

    /** Every request answered with a model reply whose text is {@code text}. */
    public void replies(String text, String stopReason) {
        answer(ok(text, stopReason, 0));
    }

    /** Every request answered as Bedrock answers {@code errorType} ({@code ThrottlingException}, ...) with {@code status}. */
    public void failsWith(int status, String errorType) {
        answer(error(status, errorType, "scripted " + errorType));
    }

    /** Requests whose body contains {@code marker} are answered with this error (over other stubs). */
    public void failsWhenBodyContains(String marker, int status, String errorType, String message) {
        server.stubFor(post(urlPathMatching(PATH_PATTERN)).atPriority(0).withRequestBody(WireMock.containing(marker))
                .willReturn(error(status, errorType, message)));
    }

    private static ResponseDefinitionBuilder ok(String text, String stopReason, int delayMillis) {
        return aResponse().withStatus(200).withHeader("content-type", "application/json")
                .withHeader("X-Amzn-Bedrock-Input-Token-Count", "1234").withHeader("X-Amzn-Bedrock-Output-Token-Count", "56")
                .withBody(FakeAnthropic.message(text, stopReason)).withFixedDelay(delayMillis);
    }

    private static ResponseDefinitionBuilder error(int status, String errorType, String message) {
        return aResponse().withStatus(status).withHeader("content-type", "application/json")
                .withHeader("x-amzn-ErrorType", errorType + ":http://internal.amazon.com/coral/com.amazon.bedrock/")
                .withBody("{\"message\":\"" + message + "\"}");
    }

    private void answer(ResponseDefinitionBuilder response) {
        server.resetAll();
        server.stubFor(post(urlPathMatching(PATH_PATTERN)).willReturn(response));
    }

    public List<LoggedRequest> requests() {
        return server.findAll(postRequestedFor(urlPathMatching(PATH_PATTERN)));
    }

    public int requestCount() {
        return requests().size();
    }

    public List<JsonNode> requestBodies() {
        return requests().stream().map(r -> TestJson.parse(r.getBodyAsString())).toList();
    }

    /** What an {@code Authorization} header says, parsed; fails when it is not a SigV4 header. */
    public record Authorization(String accessKey, String day, String region, String service, List<String> signedHeaders, String signature) {
    }

    public static Authorization authorization(LoggedRequest request) {
        String header = request.getHeader("Authorization");
        Matcher m = AUTHORIZATION.matcher(header == null ? "" : header);
        if (!m.matches()) {
            throw new AssertionError("not a SigV4 Authorization header: " + header);
        }
        return new Authorization(m.group("key"), m.group("day"), m.group("region"), m.group("service"),
                Arrays.asList(m.group("headers").split(";", -1)), m.group("signature"));
    }

    /**
     * The signature {@code request} should carry: the request as received (method, URL, the headers it says it signed,
     * its body), signed again with {@code credentials} at its own {@code X-Amz-Date}.
     */
    public static String expectedSignature(LoggedRequest request, AwsCredentialsProvider credentials, Region region) {
        Authorization auth = authorization(request);
        Instant signedAt = Instant.from(AMZ_DATE.parse(request.getHeader("X-Amz-Date")));
        SdkHttpFullRequest.Builder received = SdkHttpFullRequest.builder().method(SdkHttpMethod.POST).uri(URI.create(request.getAbsoluteUrl()));
        for (String name : auth.signedHeaders()) {
            if (!name.equals("host") && !name.equals("x-amz-date") && !name.equals("authorization")) {
                received.putHeader(name, request.getHeader(name));
            }
        }
        String authorization = AwsV4HttpSigner.create().sign(r -> r
                .identity(credentials.resolveCredentials())
                .request(received.build())
                .payload(ContentStreamProvider.fromByteArray(request.getBody()))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, auth.service())
                .putProperty(AwsV4HttpSigner.REGION_NAME, region.id())
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(signedAt, ZoneOffset.UTC)))
                .request().firstMatchingHeader("Authorization").orElseThrow();
        Matcher m = AUTHORIZATION.matcher(authorization);
        return m.matches() ? m.group("signature").toLowerCase(Locale.ROOT) : "";
    }

    @Override
    public void close() {
        server.stop();
    }
}
