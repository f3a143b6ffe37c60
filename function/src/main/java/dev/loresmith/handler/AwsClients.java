package dev.loresmith.handler;

import dev.loresmith.aws.CallTimeouts;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
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

import java.time.Duration;

/**
 * Every AWS client alike: the one URL-connection HTTP client, Lambda's region, the default credentials, bounded calls
 * (3 s per attempt, 8 s with the SDK's retries), and the SDK's standard endpoint variables
 * ({@code AWS_ENDPOINT_URL...}), so the same jar runs against AWS or any emulator.
 */
public final class AwsClients {

    /** One attempt of an AWS call, and all attempts together (the SDK retries within it). */
    public static final Duration ATTEMPT_TIMEOUT = CallTimeouts.ATTEMPT;
    public static final Duration CALL_TIMEOUT = CallTimeouts.CALL;

    private final Env env;
    private final AwsCredentialsProvider credentials = DefaultCredentialsProvider.builder().build();
    private SdkHttpClient http;

    AwsClients(Env env) {
        this.env = env;
    }

    Region region() {
        return Region.of(env.require("AWS_REGION"));
    }

    AwsCredentialsProvider credentials() {
        return credentials;
    }

    /** The HTTP client every AWS call of this function shares, built on first use. */
    synchronized SdkHttpClient http() {
        if (http == null) {
            http = UrlConnectionHttpClient.create();
        }
        return http;
    }

    DynamoDbClient dynamo() {
        return client(DynamoDbClient.builder());
    }

    SqsClient sqs() {
        return client(SqsClient.builder());
    }

    SchedulerClient scheduler() {
        return client(SchedulerClient.builder());
    }

    SecretsManagerClient secretsManager() {
        return client(SecretsManagerClient.builder());
    }

    private <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(B builder) {
        return builder.httpClient(http()).region(region()).credentialsProvider(credentials)
                .overrideConfiguration(c -> c.apiCallAttemptTimeout(ATTEMPT_TIMEOUT).apiCallTimeout(CALL_TIMEOUT))
                .build();
    }
}
