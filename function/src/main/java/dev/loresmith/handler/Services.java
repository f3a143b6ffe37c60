package dev.loresmith.handler;

import dev.loresmith.circuit.Circuit;
import dev.loresmith.circuit.CircuitSettings;
import dev.loresmith.content.ContentId;
import dev.loresmith.content.ContentKey;
import dev.loresmith.content.ContentRequest;
import dev.loresmith.content.ContentTypes;
import dev.loresmith.content.RequestParser;
import dev.loresmith.events.EventBridgePublisher;
import dev.loresmith.events.EventPublisher;
import dev.loresmith.generate.CircuitAdmin;
import dev.loresmith.generate.DeadLetterFallback;
import dev.loresmith.generate.FollowUpSweep;
import dev.loresmith.generate.GenerateContent;
import dev.loresmith.generate.GenerateSettings;
import dev.loresmith.generate.RequestContent;
import dev.loresmith.generate.ResetCircuit;
import dev.loresmith.generate.Sleeper;
import dev.loresmith.generate.UpgradePolicy;
import dev.loresmith.llm.AnthropicClient;
import dev.loresmith.llm.LlmClient;
import dev.loresmith.llm.MessagesPrompt;
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
import dev.loresmith.storage.Backoff;
import dev.loresmith.storage.DynamoDbTables;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.scheduler.SchedulerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Everything the handlers use, wired from the environment. Each part is built on first use and then
 * kept for the life of the execution environment, so a handler builds only what it needs — and, with
 * SnapStart, builds it before the snapshot. AWS clients use the URL-connection HTTP client, the region
 * Lambda sets, bounded call timeouts, and the SDK's standard endpoint variables ({@code AWS_ENDPOINT_URL...}),
 * so the same jar runs against AWS or any emulator. Tests and the local runner replace the AWS-facing parts.
 */
public final class Services {

    public static final String PROVIDER = "anthropic";
    /** How long a key read from Secrets Manager is reused before it is read again. */
    public static final Duration API_KEY_TTL = Duration.ofMinutes(5);
    /** One attempt of an AWS call, and all attempts together (the SDK retries within it). */
    static final Duration AWS_ATTEMPT_TIMEOUT = Duration.ofSeconds(3);
    static final Duration AWS_CALL_TIMEOUT = Duration.ofSeconds(8);
    /** Most upgrades one sweep enqueues (less what already waits in the queue). */
    static final int UPGRADES_PER_SWEEP = 50;

    private final Env env;
    private final Clock clock;
    private final StructuredLog log;
    private final GenerationMetrics metrics;
    private final Backoff backoff;
    private final Sleeper sleeper;
    private final Lazy<SdkHttpClient> http;
    private final Lazy<DynamoDbClient> dynamo;
    private final Lazy<ApiKeySource> apiKeys;
    private final Lazy<ResetScheduler> resets;
    private final Lazy<RequestQueue> queue;
    private final Lazy<EventPublisher> events;
    private final Lazy<LlmClient> llm;
    private final Lazy<ContentTypes> types = new Lazy<>(ContentTypes::bundled);
    private final Lazy<DynamoDbTables> tables;
    private final Lazy<GenerateContent> generate;
    private final Circuit circuit = new Circuit(CircuitSettings.DEFAULTS);

    private Services(Builder b) {
        this.env = b.env;
        this.clock = b.clock;
        this.log = b.log;
        this.metrics = b.metrics;
        this.backoff = b.backoff;
        this.sleeper = b.sleeper;
        this.http = new Lazy<>(UrlConnectionHttpClient::create);
        this.dynamo = new Lazy<>(b.dynamo != null ? () -> b.dynamo : () -> client(DynamoDbClient.builder()));
        this.apiKeys = new Lazy<>(b.apiKeys != null ? () -> b.apiKeys : this::apiKeysFromEnvironment);
        this.resets = new Lazy<>(b.resets != null ? () -> b.resets : this::schedulerFromEnvironment);
        this.queue = new Lazy<>(b.queue != null ? () -> b.queue
                : () -> new SqsRequestQueue(client(SqsClient.builder()), env.require("QUEUE_URL")));
        this.events = new Lazy<>(b.events != null ? () -> b.events : this::eventsFromEnvironment);
        this.llm = new Lazy<>(b.llm != null ? () -> b.llm : AnthropicClient::new);
        this.tables = new Lazy<>(() -> new DynamoDbTables(dynamo.get(), env.require("CONTENT_TABLE"),
                env.require("CIRCUIT_TABLE"), PROVIDER, backoff));
        this.generate = new Lazy<>(() -> new GenerateContent(tables.get(), tables.get(), llm.get(), apiKeys.get(),
                // The Scheduler client is built on the first opening, not on the cold-start path.
                (generation, at) -> resets.get().scheduleReset(generation, at), circuit, settings(), UpgradePolicy.DEFAULTS,
                clock, log, backoff));
    }

    /** Services for Lambda: everything from the process environment. */
    public static Services fromEnvironment() {
        return builder(Env.system()).build();
    }

    public static Builder builder(Env env) {
        return new Builder(env);
    }

    public Env env() {
        return env;
    }

    public Clock clock() {
        return clock;
    }

    public StructuredLog log() {
        return log;
    }

    public GenerationMetrics metrics() {
        return metrics;
    }

    public ContentTypes types() {
        return types.get();
    }

    public RequestParser parser() {
        return new RequestParser(types());
    }

    public DynamoDbTables tables() {
        return tables.get();
    }

    public GenerateContent generate() {
        return generate.get();
    }

    public RequestContent requests() {
        return new RequestContent(tables(), queue(), UpgradePolicy.DEFAULTS, clock, sleeper, log);
    }

    public ResetCircuit reset() {
        return new ResetCircuit(tables(), circuit, log);
    }

    public DeadLetterFallback deadLetters() {
        return new DeadLetterFallback(tables(), clock);
    }

    public FollowUpSweep sweep() {
        return new FollowUpSweep(tables(), tables(), queue(), types(), circuit, UPGRADES_PER_SWEEP, clock, log);
    }

    public CircuitAdmin circuitAdmin() {
        return new CircuitAdmin(tables(), circuit, clock, log);
    }

    public RequestQueue queue() {
        return queue.get();
    }

    public EventPublisher events() {
        return events.get();
    }

    /**
     * Exercises, without side effects, what a first request of the content path needs: the content types, the
     * parser, prompt rendering, JSON, metrics, and one consistent read of the content table (no write, no API
     * call, no secret). Only for handlers whose role may read the content table.
     */
    public void warmUpContent() {
        ContentTypes registry = types();
        RequestParser requests = parser();
        GenerationMetrics discard = new GenerationMetrics(line -> { }, clock);
        for (String name : registry.names()) {
            ContentRequest request = requests.parse("{\"contentType\":\"" + name + "\",\"contentId\":0,\"context\":{\"warm\":\"up\"}}");
            MessagesPrompt.of(request.type(), request.context(), settings().defaultModel(), settings().defaultMaxTokens(), true);
            discard.warmUp(name);
        }
        tables().find(new ContentKey(registry.names().iterator().next(), ContentId.parse("0")));
    }

    /** One consistent read of the circuit/config item. Only for handlers whose role may read the circuit table. */
    public void warmUpCircuit() {
        tables().read();
    }

    private GenerateSettings settings() {
        // ANTHROPIC_BASE_URL is for local runs only; in AWS the stack's settings on the config item name it.
        String baseUrl = env.optional("ANTHROPIC_BASE_URL", GenerateSettings.DEFAULT_BASE_URL);
        dev.loresmith.storage.StackSettings.baseUrlProblem(baseUrl).ifPresent(problem -> {
            throw new IllegalStateException("environment variable ANTHROPIC_BASE_URL " + problem);
        });
        return GenerateSettings.DEFAULTS.withDefaultBaseUrl(baseUrl);
    }

    /** Every AWS client alike: the one URL-connection HTTP client, Lambda's region, the default credentials, bounded calls. */
    private <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(B builder) {
        return builder.httpClient(http.get()).region(region()).credentialsProvider(DefaultCredentialsProvider.create())
                .overrideConfiguration(c -> c.apiCallAttemptTimeout(AWS_ATTEMPT_TIMEOUT).apiCallTimeout(AWS_CALL_TIMEOUT))
                .build();
    }

    private Region region() {
        return Region.of(env.require("AWS_REGION"));
    }

    /**
     * {@code ANTHROPIC_API_KEY} (local runs) wins; otherwise the Secrets Manager secret named by
     * {@code API_KEY_SECRET_ARN}; with neither, no key — every request falls back {@code no_config}.
     */
    private ApiKeySource apiKeysFromEnvironment() {
        if (env.optional("ANTHROPIC_API_KEY").isPresent()) {
            return ApiKeySource.fixed(env.optional("ANTHROPIC_API_KEY", null));
        }
        return env.optional("API_KEY_SECRET_ARN")
                .<ApiKeySource>map(arn -> new SecretsManagerApiKey(client(SecretsManagerClient.builder()), arn, API_KEY_TTL, clock, log))
                .orElseGet(() -> ApiKeySource.fixed(null));
    }

    private ResetScheduler schedulerFromEnvironment() {
        return new EventBridgeResetScheduler(client(SchedulerClient.builder()),
                env.require("SCHEDULE_GROUP"), env.require("RESET_FUNCTION_ARN"), env.require("SCHEDULER_ROLE_ARN"), log);
    }

    /** PutEvents over its own URL-connection client, with timeouts that fit one call in the stream handler's margin. */
    private EventPublisher eventsFromEnvironment() {
        Region region = region();
        SdkHttpClient putEvents = UrlConnectionHttpClient.builder()
                .connectionTimeout(EventBridgePublisher.CONNECT_TIMEOUT).socketTimeout(EventBridgePublisher.READ_TIMEOUT).build();
        return new EventBridgePublisher(putEvents, DefaultCredentialsProvider.create(), region,
                EventBridgePublisher.endpoint(region, System::getenv), env.require("EVENT_BUS_NAME"),
                new Retry(EventBridgePublisher.RETRY, Pause.REAL, clock));
    }

    /** Overrides for tests and the local runner; anything not set comes from the environment. */
    public static final class Builder {
        private final Env env;
        private Clock clock = Clock.systemUTC();
        private StructuredLog log;
        private GenerationMetrics metrics;
        private DynamoDbClient dynamo;
        private ApiKeySource apiKeys;
        private ResetScheduler resets;
        private RequestQueue queue;
        private EventPublisher events;
        private LlmClient llm;
        private Backoff backoff = Backoff.jittered();
        private Sleeper sleeper = Sleeper.REAL;

        private Builder(Env env) {
            this.env = env;
        }

        public Builder clock(Clock value) {
            clock = value;
            return this;
        }

        public Builder log(StructuredLog value) {
            log = value;
            return this;
        }

        public Builder metrics(GenerationMetrics value) {
            metrics = value;
            return this;
        }

        public Builder dynamo(DynamoDbClient value) {
            dynamo = value;
            return this;
        }

        public Builder apiKeys(ApiKeySource value) {
            apiKeys = value;
            return this;
        }

        public Builder resets(ResetScheduler value) {
            resets = value;
            return this;
        }

        public Builder queue(RequestQueue value) {
            queue = value;
            return this;
        }

        public Builder events(EventPublisher value) {
            events = value;
            return this;
        }

        public Builder llm(LlmClient value) {
            llm = value;
            return this;
        }

        public Builder backoff(Backoff value) {
            backoff = value;
            return this;
        }

        public Builder sleeper(Sleeper value) {
            sleeper = value;
            return this;
        }

        public Services build() {
            if (log == null) {
                log = StructuredLog.to(System.out, clock);
            }
            if (metrics == null) {
                metrics = GenerationMetrics.to(env.optional("METRICS_NAMESPACE", GenerationMetrics.NAMESPACE), System.out, clock);
            }
            return new Services(this);
        }
    }

    /** Built once, on first use, thread-safely. */
    private static final class Lazy<T> implements Supplier<T> {
        private final Supplier<T> factory;
        private volatile T value;

        Lazy(Supplier<T> factory) {
            this.factory = factory;
        }

        @Override
        public T get() {
            T v = value;
            if (v == null) {
                synchronized (this) {
                    v = value;
                    if (v == null) {
                        v = factory.get();
                        value = v;
                    }
                }
            }
            return v;
        }
    }
}
