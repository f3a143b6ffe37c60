package dev.loresmith.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.loresmith.Json;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.scheduler.SchedulerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * WireMock stand-ins, on one loopback port, for the two AWS services that DynamoDB Local does not
 * cover: EventBridge Scheduler ({@code POST /schedules/{name}}) and Secrets Manager ({@code GetSecretValue}).
 */
public final class FakeAws implements AutoCloseable {

    private static final String CREATE_SCHEDULE = "/schedules/.+";

    private final WireMockServer server;
    /** EventBridge Scheduler of an emulator ({@code AWS_ENDPOINT_URL}), or null to use WireMock. */
    private final String externalScheduler = TestAws.externalEndpoint("SCHEDULER");
    private String scheduleGroup = "loresmith-test-circuit-reset";
    private boolean schedulerDown;

    public FakeAws() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        server.start();
        reset();
    }

    /** The schedule group the flow under test creates its schedules in. */
    public String scheduleGroup() {
        return scheduleGroup;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    /** Scheduler accepts every schedule; Secrets Manager has no secret. */
    public void reset() {
        schedulerDown = false;
        if (externalScheduler != null) {
            // On a shared emulator each test gets its own group, so schedule names never collide.
            scheduleGroup = "loresmith-test-" + UUID.randomUUID().toString().substring(0, 8);
            try (SchedulerClient client = scheduler()) {
                client.createScheduleGroup(r -> r.name(scheduleGroup));
            }
        }
        server.resetAll();
        server.stubFor(post(urlPathMatching(CREATE_SCHEDULE))
                .willReturn(okJson("{\"ScheduleArn\":\"arn:aws:scheduler:us-east-1:000000000000:schedule/test/x\"}")));
        server.stubFor(post(urlPathMatching("/")).withHeader("X-Amz-Target", equalTo("secretsmanager.GetSecretValue"))
                .willReturn(aResponse().withStatus(400).withHeader("content-type", "application/x-amz-json-1.1")
                        .withBody("{\"__type\":\"ResourceNotFoundException\",\"message\":\"Secrets Manager can't find the specified secret value for staging label: AWSCURRENT\"}")));
    }

    public void schedulerUnavailable() {
        schedulerDown = true;
        server.stubFor(post(urlPathMatching(CREATE_SCHEDULE)).willReturn(aResponse().withStatus(503)
                .withHeader("content-type", "application/json").withBody("{\"Message\":\"unavailable\"}")));
    }

    public void secretValue(String secretString) {
        server.stubFor(post(urlPathMatching("/")).withHeader("X-Amz-Target", equalTo("secretsmanager.GetSecretValue"))
                .willReturn(aResponse().withStatus(200).withHeader("content-type", "application/x-amz-json-1.1")
                        .withBody(Json.write(Json.MAPPER.createObjectNode()
                                .put("ARN", "arn:aws:secretsmanager:us-east-1:000000000000:secret:test")
                                .put("Name", "test").put("SecretString", secretString)))));
    }

    /** Secrets Manager answers every GetSecretValue with a 500 (an outage, not a missing secret). */
    public void secretsUnavailable() {
        server.stubFor(post(urlPathMatching("/")).withHeader("X-Amz-Target", equalTo("secretsmanager.GetSecretValue"))
                .willReturn(aResponse().withStatus(500).withHeader("content-type", "application/x-amz-json-1.1")
                        .withBody("{\"__type\":\"InternalServiceError\",\"message\":\"injected\"}")));
    }

    /** The CreateSchedule requests received, as (name from the path, JSON body). */
    public List<CreatedSchedule> createdSchedules() {
        if (externalScheduler != null) {
            return schedulesInEmulator();
        }
        return server.findAll(postRequestedFor(urlPathMatching(CREATE_SCHEDULE))).stream()
                .map(r -> new CreatedSchedule(r.getUrl().substring("/schedules/".length()), TestJson.parse(r.getBodyAsString())))
                .toList();
    }

    public int secretReads() {
        return server.findAll(postRequestedFor(urlPathMatching("/"))
                .withHeader("X-Amz-Target", equalTo("secretsmanager.GetSecretValue"))).size();
    }

    public List<LoggedRequest> all() {
        return server.getAllServeEvents().stream().map(e -> e.getRequest()).map(LoggedRequest.class::cast).toList();
    }

    public SchedulerClient scheduler(ExecutionInterceptor... interceptors) {
        URI target = schedulerDown ? URI.create("http://127.0.0.1:" + TestAws.freePort())
                : externalScheduler != null ? URI.create(externalScheduler) : endpoint();
        return SchedulerClient.builder().endpointOverride(target).region(TestAws.REGION)
                .credentialsProvider(TestAws.CREDENTIALS).httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(c -> Arrays.stream(interceptors).forEach(c::addExecutionInterceptor)).build();
    }

    public SecretsManagerClient secrets(ExecutionInterceptor... interceptors) {
        return SecretsManagerClient.builder().endpointOverride(endpoint()).region(TestAws.REGION)
                .credentialsProvider(TestAws.CREDENTIALS).httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(c -> Arrays.stream(interceptors).forEach(c::addExecutionInterceptor)).build();
    }

    /** The emulator's schedules in this test's group, in the shape of the CreateSchedule request bodies. */
    private List<CreatedSchedule> schedulesInEmulator() {
        try (SchedulerClient client = scheduler()) {
            return client.listSchedules(r -> r.groupName(scheduleGroup)).schedules().stream().map(summary -> {
                var schedule = client.getSchedule(r -> r.name(summary.name()).groupName(scheduleGroup));
                ObjectNode body = Json.MAPPER.createObjectNode()
                        .put("ScheduleExpression", schedule.scheduleExpression())
                        .put("ScheduleExpressionTimezone", schedule.scheduleExpressionTimezone())
                        .put("ActionAfterCompletion", schedule.actionAfterCompletionAsString())
                        .put("GroupName", schedule.groupName());
                body.putObject("FlexibleTimeWindow").put("Mode", schedule.flexibleTimeWindow().modeAsString());
                body.putObject("Target").put("Arn", schedule.target().arn()).put("RoleArn", schedule.target().roleArn())
                        .put("Input", schedule.target().input());
                return new CreatedSchedule(schedule.name(), (JsonNode) body);
            }).toList();
        }
    }

    public record CreatedSchedule(String name, JsonNode body) {
    }

    @Override
    public void close() {
        server.stop();
    }
}
