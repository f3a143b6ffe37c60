package dev.loresmith.handler;

import dev.loresmith.aws.Endpoints;
import dev.loresmith.events.EventBridgePublisher;
import dev.loresmith.events.EventPublisher;
import dev.loresmith.llm.AnthropicTransport;
import dev.loresmith.llm.BedrockTransport;
import dev.loresmith.llm.Provider;
import dev.loresmith.llm.Transport;
import dev.loresmith.log.StructuredLog;
import dev.loresmith.metrics.GenerationMetrics;
import dev.loresmith.queue.RequestQueue;
import dev.loresmith.queue.SqsRequestQueue;
import dev.loresmith.retry.Pause;
import dev.loresmith.retry.Retry;
import dev.loresmith.schedule.EventBridgeResetScheduler;
import dev.loresmith.schedule.ResetScheduler;
import dev.loresmith.secrets.ApiKeySource;
import dev.loresmith.secrets.SecretsManagerApiKey;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;
import java.time.Duration;

/** The outside a function finds in Lambda: AWS, reached as the environment ({@code template.yaml}) says. */
public final class AwsOutside implements Outside {

    /** How long a key read from Secrets Manager is reused before it is read again. */
    public static final Duration API_KEY_TTL = Duration.ofMinutes(5);

    private final Env env;
    private final AwsClients aws;
    private final Clock clock = Clock.systemUTC();
    private final StructuredLog log;
    private final GenerationMetrics metrics;

    public AwsOutside(Env env) {
        this.env = env;
        this.aws = new AwsClients(env);
        this.log = StructuredLog.to(System.out, clock);
        this.metrics = GenerationMetrics.to(env.optional("METRICS_NAMESPACE", GenerationMetrics.NAMESPACE), System.out, clock);
    }

    /** The outside of the running Lambda function: the process environment. */
    public static AwsOutside fromEnvironment() {
        return new AwsOutside(Env.system());
    }

    @Override
    public Env env() {
        return env;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public StructuredLog log() {
        return log;
    }

    @Override
    public GenerationMetrics metrics() {
        return metrics;
    }

    @Override
    public Pause backoff() {
        return Pause.REAL;
    }

    @Override
    public Pause waits() {
        return Pause.REAL;
    }

    @Override
    public DynamoDbClient dynamo() {
        return aws.dynamo();
    }

    @Override
    public Transport transport(Provider provider) {
        return switch (provider) {
            case ANTHROPIC -> new AnthropicTransport(apiKeys());
            case BEDROCK -> new BedrockTransport(aws.credentials(), aws.region(),
                    Endpoints.resolve("BEDROCK_RUNTIME", "bedrock-runtime", aws.region(), env::raw));
        };
    }

    /**
     * {@code ANTHROPIC_API_KEY} (local runs) wins; otherwise the Secrets Manager secret named by
     * {@code API_KEY_SECRET_ARN}; with neither, no key — every request falls back {@code no_config}.
     */
    private ApiKeySource apiKeys() {
        if (env.optional("ANTHROPIC_API_KEY").isPresent()) {
            return ApiKeySource.fixed(env.optional("ANTHROPIC_API_KEY", null));
        }
        return env.optional("API_KEY_SECRET_ARN")
                .<ApiKeySource>map(arn -> new SecretsManagerApiKey(aws.secretsManager(), arn, API_KEY_TTL, clock, log))
                .orElseGet(() -> ApiKeySource.fixed(null));
    }

    @Override
    public ResetScheduler resets() {
        return new EventBridgeResetScheduler(aws.scheduler(), env.require("SCHEDULE_GROUP"), env.require("RESET_FUNCTION_ARN"),
                env.require("SCHEDULER_ROLE_ARN"), log);
    }

    @Override
    public RequestQueue queue() {
        return new SqsRequestQueue(aws.sqs(), env.require("QUEUE_URL"));
    }

    /** PutEvents over its own URL-connection client, with timeouts that fit one call in the stream handler's margin. */
    @Override
    public EventPublisher events() {
        Region region = aws.region();
        SdkHttpClient putEvents = UrlConnectionHttpClient.builder()
                .connectionTimeout(EventBridgePublisher.CONNECT_TIMEOUT).socketTimeout(EventBridgePublisher.READ_TIMEOUT).build();
        return new EventBridgePublisher(putEvents, aws.credentials(), region, EventBridgePublisher.endpoint(region, env::raw),
                env.require("EVENT_BUS_NAME"), new Retry(EventBridgePublisher.RETRY, backoff(), clock));
    }
}
