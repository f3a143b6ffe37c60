package dev.loresmith.llm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.Json;
import dev.loresmith.log.ErrorSummary;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Amazon Bedrock Runtime's {@code InvokeModel} ({@code POST /model/{modelId}/invoke}) with Claude's Messages body,
 * signed with SigV4 (service {@code bedrock}) by the SDK's own signer — already in the package for EventBridge — and
 * sent over the same JDK HTTP exchange as Anthropic's calls: the same timeout, the same 1 MB cap on the reply, no SDK
 * retries to blur the circuit's accounting. Not the {@code bedrockruntime} client: its 1.37 MB would take the package
 * past 15 MB (docs/PERFORMANCE.md). Credentials are the function's role's; there is no key.
 *
 * <p>Errors map onto what the flow already knows ({@code x-amzn-ErrorType}, else the body's {@code __type}):
 * {@code ThrottlingException}, {@code ServiceQuotaExceededException} and {@code ModelNotReadyException} are 429s (the
 * provider's own throttle); a {@code ValidationException} naming {@code output_config} rejects structured outputs;
 * {@code AccessDeniedException}, {@code ResourceNotFoundException} and a plain id of a model served only through an
 * inference profile are the model's unavailability, which an operator must fix; everything else is its status ({@code ModelTimeoutException} 408 and {@code ModelErrorException} 424 pass
 * like 5xx). An error's body is read for its type only: never logged, never kept.
 */
public final class BedrockTransport implements Transport {

    /** SigV4's service name for Bedrock Runtime. */
    static final String SIGNING_NAME = "bedrock";
    private static final Set<String> THROTTLES = Set.of("ThrottlingException", "ServiceQuotaExceededException", "ModelNotReadyException");
    private static final Set<String> MODEL_UNAVAILABLE = Set.of("AccessDeniedException", "ResourceNotFoundException");
    /** Headers the JDK's client sets itself (and refuses from callers); the signer signs the same values. */
    private static final Set<String> SET_BY_THE_CLIENT = Set.of("host", "content-length", "connection", "expect", "upgrade");

    private final AwsCredentialsProvider credentials;
    private final Region region;
    private final URI endpoint;
    private final HttpExchange http = new HttpExchange();
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    /** {@code endpoint}: Bedrock Runtime's, as {@code Endpoints.resolve("BEDROCK_RUNTIME", "bedrock-runtime", ...)} finds it. */
    public BedrockTransport(AwsCredentialsProvider credentials, Region region, URI endpoint) {
        this.credentials = credentials;
        this.region = region;
        this.endpoint = endpoint;
    }

    @Override
    public Provider provider() {
        return Provider.BEDROCK;
    }

    /** Ready when the function's credentials resolve (in Lambda they always do: the role's, from the environment). */
    @Override
    public Readiness readiness() {
        try {
            credentials.resolveCredentials();
            return Readiness.READY;
        } catch (RuntimeException e) {
            return new Readiness.Unavailable("AWS credentials could not be resolved (" + ErrorSummary.of(e) + ")");
        }
    }

    @Override
    public LlmReply send(CallPlan plan) {
        byte[] body = plan.prompt().body().getBytes(StandardCharsets.UTF_8);
        SignedRequest signed;
        try {
            SdkHttpFullRequest request = SdkHttpFullRequest.builder()
                    .method(SdkHttpMethod.POST)
                    .uri(invokeUri(plan.model()))
                    .putHeader("Content-Type", "application/json")
                    .putHeader("Accept", "application/json")
                    .build();
            signed = signer.sign(r -> r
                    .identity(credentials.resolveCredentials())
                    .request(request)
                    .payload(ContentStreamProvider.fromByteArray(body))
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, SIGNING_NAME)
                    .putProperty(AwsV4HttpSigner.REGION_NAME, region.id()));
        } catch (RuntimeException e) {
            // no credentials, or a model id no URI can carry: nothing reached Bedrock
            return new LlmReply.Unsendable("request could not be signed (" + ErrorSummary.of(e) + ")");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        signed.request().forEachHeader((name, values) -> {
            if (!SET_BY_THE_CLIENT.contains(name.toLowerCase(Locale.ROOT)) && !values.isEmpty()) {
                headers.put(name, values.get(0));
            }
        });
        return http.post(signed.request().getUri(), headers, body, plan.timeout(), BedrockTransport::reply);
    }

    /** {@code <endpoint>/model/<modelId, percent-encoded>/invoke}: an inference profile's id carries a {@code :}. */
    URI invokeUri(String modelId) {
        String base = endpoint.toString().endsWith("/") ? endpoint.toString().substring(0, endpoint.toString().length() - 1) : endpoint.toString();
        return URI.create(base + "/model/" + SdkHttpUtils.urlEncode(modelId) + "/invoke");
    }

    /** What a response means: an error with what the flow acts on, a body over the cap, or Claude's Messages answer. */
    static LlmReply reply(HttpExchange.Response response) {
        if (response.status() / 100 != 2) {
            return error(response.status(), response.body(), response.headers());
        }
        if (response.body() == null) {
            return new LlmReply.Unreadable("response body exceeds " + HttpExchange.MAX_RESPONSE_BYTES + " bytes");
        }
        return AnthropicTransport.read(response.body());
    }

    /** An error response: what its type says the flow must do. The message is looked at for the schema field only. */
    static LlmReply.HttpError error(int status, String body, HttpHeaders headers) {
        JsonNode root = null;
        try {
            root = body == null ? null : Json.read(body);
        } catch (JsonProcessingException e) {
            // not JSON (a proxy's page): the header and the status decide
        }
        String type = errorType(headers.firstValue("x-amzn-ErrorType").orElse(null), root);
        String message = root == null ? "" : root.path("message").asText(root.path("Message").asText(""));
        if (THROTTLES.contains(type) || status == 429) {
            return new LlmReply.HttpError(429, LlmReply.Problem.OTHER, AnthropicTransport.retryAfter(headers));
        }
        if (status == 400 && (message.contains("output_config") || message.contains("output_format"))) {
            return new LlmReply.HttpError(400, LlmReply.Problem.STRUCTURED_OUTPUT_REJECTED, LlmReply.RetryAfter.NONE);
        }
        if (MODEL_UNAVAILABLE.contains(type) || status == 403 || status == 404 || needsProfile(status, message)) {
            return new LlmReply.HttpError(status, LlmReply.Problem.MODEL_UNAVAILABLE, LlmReply.RetryAfter.NONE);
        }
        return new LlmReply.HttpError(status);
    }

    /**
     * A model that Bedrock serves only through an inference profile (Claude 4.x), invoked by its plain id: a 400
     * {@code ValidationException} saying on-demand throughput is not supported and to retry with an inference profile.
     * The configured id is wrong — what an operator must fix, like a 403 or 404 — not a request of ours.
     */
    static boolean needsProfile(int status, String message) {
        String said = message.toLowerCase(Locale.ROOT);
        return status == 400 && (said.contains("inference profile") || said.contains("on-demand throughput"));
    }

    /** {@code ThrottlingException:http://internal...} → {@code ThrottlingException}; else the body's {@code __type} or {@code code}. */
    static String errorType(String header, JsonNode body) {
        String raw = header != null && !header.isBlank() ? header
                : body == null ? "" : body.path("__type").asText(body.path("code").asText(""));
        String type = raw.strip();
        int colon = type.indexOf(':');
        type = colon >= 0 ? type.substring(0, colon) : type;
        int hash = type.lastIndexOf('#');
        return hash >= 0 ? type.substring(hash + 1) : type;
    }
}
