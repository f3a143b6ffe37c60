package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loresmith.Json;
import dev.loresmith.storage.StackSettings;
import dev.loresmith.testing.Handlers;
import dev.loresmith.testing.Template;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** template.yaml and the code agree: handlers exist and start on exactly the environment the template gives them. */
class TemplateTest {

    /** Set by the Lambda runtime itself, not by the template. */
    static final Set<String> RUNTIME_VARIABLES = Set.of("AWS_REGION");
    /**
     * Local runs only (README): a key in plain text in a function's environment would defeat the secret,
     * so the template deliberately never sets it.
     */
    static final Set<String> LOCAL_ONLY_VARIABLES = Set.of("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL");

    final Template template = Template.load();
    final Map<String, JsonNode> functions = template.resources("AWS::Serverless::Function");

    @Test
    @DisplayName("declares its eight functions, each handler a class with a no-arg constructor")
    void functions() {
        assertEquals(Set.of("GenerateFunction", "ApiFunction", "CircuitFunction", "ResetFunction", "DeadLetterFunction",
                "SweepFunction", "StreamEventsFunction", "StackSettingsFunction"), functions.keySet());
    }

    @Test
    @DisplayName("no function's environment holds a template parameter: a changed parameter would never reach the live alias")
    void parametersNotInEnvironment() {
        Set<String> parameters = new HashSet<>();
        template.root().path("Parameters").fieldNames().forEachRemaining(parameters::add);
        List<JsonNode> environments = new ArrayList<>();
        environments.add(template.globals().path("Environment"));
        functions.values().forEach(f -> environments.add(f.path("Properties").path("Environment")));
        for (JsonNode environment : environments) {
            environment.path("Variables").forEach(value -> parameters.forEach(p ->
                    assertFalse(value.toString().contains(p), "an environment variable refers to parameter " + p
                            + "; SAM does not publish a new version for it (its hash sees the Ref, not the value)")));
        }
        // They reach the functions through the custom resource instead, re-run by CloudFormation on every change.
        JsonNode settings = template.root().path("Resources").path("ConfigSettings");
        assertEquals("Custom::StackSettings", settings.path("Type").asText());
        for (String parameter : new String[] {"ModelId", "MaxTokens", "AnthropicBaseUrl", "DailyTokenBudget"}) {
            assertTrue(settings.path("Properties").toString().contains(parameter), parameter + " goes to the config item");
        }
    }

    @Test
    @DisplayName("one bound covers every path to the model: only the generate function can read the key, and its queue trigger is bounded")
    void oneConcurrencyBound() {
        template.resources("AWS::IAM::Role").forEach((id, role) -> assertEquals(id.equals("GenerateRole"),
                role.toString().contains("secretsmanager:GetSecretValue"), id + ": only the generate function calls the model"));
        JsonNode events = functions.get("GenerateFunction").path("Properties").path("Events");
        assertEquals(1, events.size(), "one trigger: the queue every request and upgrade goes through");
        assertFalse(events.path("Queue").path("Properties").path("ScalingConfig").path("MaximumConcurrency").isMissingNode());
        assertTrue(template.resources("AWS::IAM::Role").get("SweepRole").toString().contains("GenerateQueue"),
                "upgrades are sent to the same queue");
    }

    @Test
    @DisplayName("the schedule group is named by CloudFormation (a stack name of up to 128 characters cannot overflow it)")
    void scheduleGroupUnnamed() {
        JsonNode group = template.resources("AWS::Scheduler::ScheduleGroup").get("ResetScheduleGroup");
        assertTrue(group.path("Properties").path("Name").isMissingNode());
    }

    @Test
    @DisplayName("IAM: CreateSchedule only for the schedules the code creates; no visibility changes; the secret retained like the tables")
    void iamNarrowed() {
        String generate = template.resources("AWS::IAM::Role").get("GenerateRole").toString();
        assertTrue(generate.contains("circuit-reset-*"));
        template.resources("AWS::IAM::Role").forEach((id, role) ->
                assertFalse(role.toString().contains("sqs:ChangeMessageVisibility"), id + ": the code never changes visibility"));
        JsonNode secret = template.root().path("Resources").path("ApiKeySecret");
        assertEquals("Retain", secret.path("DeletionPolicy").asText());
        assertEquals("Retain", secret.path("UpdateReplacePolicy").asText());
        assertFalse(template.globals().path("Environment").path("Variables").has("JAVA_TOOL_OPTIONS"),
                "java21 already stops at tier 1; the variable only adds a non-JSON line to every cold start");
    }

    @Test
    @DisplayName("every Handler names a Lambda handler class that starts on the template's environment and reads nothing else")
    void handlersStartOnTemplateEnvironment() throws Exception {
        for (Map.Entry<String, JsonNode> function : functions.entrySet()) {
            String handler = function.getValue().path("Properties").path("Handler").asText();
            assertTrue(handler.endsWith("::handleRequest"), handler);
            Class<?> type = Class.forName(handler.substring(0, handler.indexOf("::")));
            assertTrue(RequestHandler.class.isAssignableFrom(type) || RequestStreamHandler.class.isAssignableFrom(type), handler);
            assertNotNull(type.getConstructor(), "the no-argument constructor the Lambda runtime calls");

            Map<String, String> environment = new HashMap<>();
            template.globals().path("Environment").path("Variables").properties()
                    .forEach(e -> environment.put(e.getKey(), placeholder(e.getKey())));
            function.getValue().path("Properties").path("Environment").path("Variables").properties()
                    .forEach(e -> environment.put(e.getKey(), placeholder(e.getKey())));
            environment.put("AWS_REGION", "us-east-1");
            Env env = new Env(environment);

            Object instance = Handlers.build(type, new AwsOutside(env));

            assertTrue(instance != null);
            Set<String> unset = new HashSet<>(env.namesRead());
            unset.removeAll(environment.keySet());
            unset.removeAll(LOCAL_ONLY_VARIABLES);
            // The SDK's standard endpoint variables, honoured as the SDK does and left unset by a deployment.
            unset.removeIf(name -> name.startsWith("AWS_ENDPOINT_URL") || name.equals("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"));
            assertEquals(Set.of(), unset, function.getKey() + " reads variables the template does not set");
        }
    }

    static String placeholder(String name) {
        return switch (name) {
            case "MAX_TOKENS" -> "1024";
            case "ANTHROPIC_BASE_URL" -> "https://api.anthropic.com";
            case "QUEUE_URL" -> "https://sqs.us-east-1.amazonaws.com/123456789012/q";
            default -> "placeholder-" + name.toLowerCase(Locale.ROOT);
        };
    }

    @Test
    @DisplayName("functions: java21 on arm64 from function/, a live alias with SnapStart on every function but the custom resource's, JSON logs")
    void runtimeSettings() {
        JsonNode globals = template.globals();
        assertEquals("function", globals.path("CodeUri").asText());
        assertEquals("java21", globals.path("Runtime").asText());
        assertEquals("arm64", globals.path("Architectures").get(0).asText());
        assertTrue(globals.path("AutoPublishAlias").isMissingNode(), "set per function: the custom resource's function has none");
        functions.forEach((id, f) -> {
            JsonNode p = f.path("Properties");
            assertEquals("JSON", p.path("LoggingConfig").path("LogFormat").asText());
            if (id.equals("StackSettingsFunction")) {
                return; // see customResourceFunctionUnversioned
            }
            assertEquals("live", p.path("AutoPublishAlias").asText(), id);
            assertTrue(p.path("AutoPublishAliasAllProperties").asBoolean(),
                    id + ": a changed timeout, handler or role publishes a new version; SAM's default hashes only code, environment and memory");
            assertFalse(p.path("SnapStart").path("ApplyOn").isMissingNode(), id);
        });
    }

    @Test
    @DisplayName("the custom resource's ServiceToken is the function's ARN (never an alias: a token cannot change), and that function has no alias or SnapStart")
    void customResourceFunctionUnversioned() {
        JsonNode resource = template.root().path("Resources").path("ConfigSettings");
        assertEquals("StackSettingsFunction.Arn", resource.path("Properties").path("ServiceToken").asText(),
                "!GetAtt StackSettingsFunction.Arn: CloudFormation refuses to modify a ServiceToken, and an alias pins a version");
        JsonNode function = functions.get("StackSettingsFunction").path("Properties");
        assertTrue(function.path("AutoPublishAlias").isMissingNode(), "run once per deploy: no versions to publish and prune");
        assertTrue(function.path("SnapStart").isMissingNode(), "a snapshot buys nothing for a function run once per deploy");
        assertTrue(template.root().path("Outputs").toString().indexOf("StackSettingsFunction.Alias") < 0);
    }

    @Test
    @DisplayName("the custom resource waits minutes, not an hour: ServiceTimeout covers Lambda's three asynchronous attempts and no more")
    void customResourceServiceTimeout() {
        JsonNode timeout = template.root().path("Resources").path("ConfigSettings").path("Properties").path("ServiceTimeout");
        assertTrue(timeout.isInt(), "ServiceTimeout is whole seconds");
        int seconds = timeout.asInt();
        assertTrue(seconds >= 1 && seconds < 3600, seconds + ": 3600 is CloudFormation's default wait, again during rollback");
        JsonNode function = functions.get("StackSettingsFunction").path("Properties");
        int retries = function.path("EventInvokeConfig").path("MaximumRetryAttempts").asInt(2);
        int[] lambdaRetryDelays = {60, 120}; // Lambda's asynchronous retries: about 1, then 2 minutes apart
        int needed = (retries + 1) * template.functionTimeout("StackSettingsFunction");
        for (int i = 0; i < retries; i++) {
            needed += lambdaRetryDelays[i];
        }
        assertTrue(seconds >= needed, "ServiceTimeout " + seconds + " s must cover every attempt: " + needed + " s");
        assertTrue(seconds <= needed + 120, "and not much more: " + seconds + " s for " + needed + " s of attempts");
    }

    @Test
    @DisplayName("the custom resource's properties change whenever the settings could be lost: a replaced circuit table is written again")
    void customResourceFollowsTheTable() {
        JsonNode properties = template.root().path("Resources").path("ConfigSettings").path("Properties");
        assertEquals("CircuitTable", properties.path("CircuitTable").asText(),
                "!Ref CircuitTable: a replacement renames the table, which changes the properties, which makes CloudFormation send Update");
        JsonNode environment = template.globals().path("Environment").path("Variables");
        assertEquals("CircuitTable", environment.path("CIRCUIT_TABLE").asText(), "the function writes to the table the property names");
    }

    @Test
    @DisplayName("the generate queue's visibility timeout is at least 6 x the generate function's timeout, with a redrive")
    void queueVisibility() {
        int timeout = functions.get("GenerateFunction").path("Properties").path("Timeout").asInt();
        JsonNode queue = template.resources("AWS::SQS::Queue").get("GenerateQueue").path("Properties");
        assertTrue(queue.path("VisibilityTimeout").asInt() >= 6 * timeout);
        assertTrue(queue.path("RedrivePolicy").path("maxReceiveCount").asInt() >= 5, "Lambda's SQS guidance: at least 5");
        JsonNode sqs = functions.get("GenerateFunction").path("Properties").path("Events").path("Queue").path("Properties");
        assertTrue(sqs.path("BatchSize").asInt() <= 10);
        assertEquals("ReportBatchItemFailures", sqs.path("FunctionResponseTypes").get(0).asText());
        assertFalse(sqs.path("ScalingConfig").path("MaximumConcurrency").isMissingNode());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"https://api.anthropic.com", "https://gw.example.com:8443/anthropic/", "http://localhost:8080",
            "http://127.0.0.1:9/x", "http://host.docker.internal:4010", "http://proxy.example.com", "http://localhost.example.com",
            "https://proxy.example.com/a|b", "https://user:pw@proxy.example.com", "https://proxy.example.com/?key=1",
            "https://proxy.example.com/#x", "ftp://proxy.example.com", "https://", "https://proxy example.com"})
    @DisplayName("the AnthropicBaseUrl parameter accepts exactly the base URLs the code accepts")
    void baseUrlPatternAgreesWithCode(String url) {
        String pattern = template.root().path("Parameters").path("AnthropicBaseUrl").path("AllowedPattern").asText();
        assertEquals(StackSettings.baseUrlProblem(url).isEmpty(), Pattern.matches(pattern, url), url);
    }

    @Test
    @DisplayName("no IAM statement grants a wildcard action")
    void noWildcardActions() {
        template.resources("AWS::IAM::Role").forEach((id, role) ->
                role.path("Properties").path("Policies").forEach(policy ->
                        policy.path("PolicyDocument").path("Statement").forEach(statement -> {
                            JsonNode action = statement.path("Action");
                            (action.isArray() ? action : Json.MAPPER.createArrayNode().add(action)).forEach(a ->
                                    assertFalse(a.asText().contains("*"), id + " grants " + a.asText()));
                        })));
    }

    @Test
    @DisplayName("both tables are on-demand with point-in-time recovery, encrypted with DynamoDB's AWS-owned key unless a customer key is given")
    void tables() {
        Map<String, JsonNode> tables = template.resources("AWS::DynamoDB::Table");
        assertEquals(Set.of("ContentTable", "CircuitTable"), tables.keySet());
        assertEquals("", template.parameterDefault("TableKmsKeyArn"), "no key by default: no KMS charge per request");
        tables.values().forEach(t -> {
            JsonNode p = t.path("Properties");
            assertEquals("PAY_PER_REQUEST", p.path("BillingMode").asText());
            assertTrue(p.path("PointInTimeRecoverySpecification").path("PointInTimeRecoveryEnabled").asBoolean());
            // !If [HasTableKmsKey, {SSEEnabled: true, SSEType: KMS, KMSMasterKeyId: !Ref TableKmsKeyArn}, {SSEEnabled: false}]
            JsonNode sse = p.path("SSESpecification");
            assertEquals("HasTableKmsKey", sse.path(0).asText());
            assertEquals("KMS", sse.path(1).path("SSEType").asText());
            assertEquals("TableKmsKeyArn", sse.path(1).path("KMSMasterKeyId").asText());
            assertFalse(sse.path(2).path("SSEEnabled").asBoolean(true),
                    "SSEEnabled: false is the AWS-owned key (SSEEnabled: true without a key is the AWS managed KMS key, charged)");
        });
        String pattern = template.root().path("Parameters").path("TableKmsKeyArn").path("AllowedPattern").asText();
        assertTrue("arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab".matches(pattern));
        assertTrue("".matches(pattern));
        assertFalse("alias/aws/dynamodb".matches(pattern), "the AWS managed key (charged per request) is what this parameter avoids");
    }

    @Test
    @DisplayName("alarms read the metrics the code writes, in the namespace the functions are given")
    void alarmsMatchMetrics() {
        Map<String, JsonNode> alarms = template.resources("AWS::CloudWatch::Alarm");
        assertEquals(Set.of("DeadLetterAlarm", "CircuitOpeningAlarm", "CircuitOpenSeenAlarm", "BedrockCircuitOpeningAlarm",
                "BedrockCircuitOpenSeenAlarm", "FallbackRatioAlarm", "ThrottleAlarm", "QualityAlarm", "SpendLimitReachedAlarm", "BudgetAlarm",
                "EventsFailedAlarm", "FunctionErrorsAlarm", "ApiErrorsAlarm"), alarms.keySet());
        assertEquals(Set.of("CircuitOpenedAlarm", "BedrockCircuitOpenedAlarm"), template.resources("AWS::CloudWatch::CompositeAlarm").keySet());
        // One circuit alarm per provider, each reading its provider's series, each there only when its provider is configured.
        for (String[] provider : new String[][] {{"", "anthropic", "UsesAnthropic"}, {"Bedrock", "bedrock", "UsesBedrock"}}) {
            for (String part : List.of("CircuitOpeningAlarm", "CircuitOpenSeenAlarm")) {
                JsonNode alarm = alarms.get(provider[0] + part);
                assertEquals("Provider", alarm.path("Properties").path("Dimensions").get(0).path("Name").asText(), provider[0] + part);
                assertEquals(provider[1], alarm.path("Properties").path("Dimensions").get(0).path("Value").asText(), provider[0] + part);
                assertEquals(provider[2], alarm.path("Condition").asText(), provider[0] + part);
            }
        }
        Set<String> erroring = new HashSet<>();
        alarms.get("FunctionErrorsAlarm").path("Properties").path("Metrics").forEach(m -> {
            if (m.has("MetricStat")) {
                assertEquals("Errors", m.path("MetricStat").path("Metric").path("MetricName").asText());
                erroring.add(m.path("MetricStat").path("Metric").path("Dimensions").get(0).path("Value").asText());
            }
        });
        assertEquals(functions.keySet(), erroring, "every function's errors reach one alarm (a failed reset is otherwise silent)");
        assertTrue(alarms.get("DeadLetterAlarm").toString().contains("ApproximateNumberOfMessagesNotVisible"),
                "a dead-letter function failing every message keeps them in flight, not visible (AlarmsTest)");
        assertEquals("SpendLimitReached", alarms.get("SpendLimitReachedAlarm").path("Properties").path("MetricName").asText());
        assertEquals("BudgetUsedPercent", alarms.get("BudgetAlarm").path("Properties").path("MetricName").asText());
        assertEquals(80, alarms.get("BudgetAlarm").path("Properties").path("Threshold").asInt());
        assertTrue(alarms.get("QualityAlarm").toString().contains("AVG(QualityFailureRate)"));
        assertTrue(alarms.get("QualityAlarm").toString().contains("GROUP BY ContentType"), "each content type alarms on its own");
        assertTrue(alarms.get("DeadLetterAlarm").toString().contains("DeadLetters"),
                "counted by the dead-letter function: the queue it drains never shows a backlog");
        String namespace = template.globals().path("Environment").path("Variables").path("METRICS_NAMESPACE").asText();
        assertEquals(namespace, alarms.get("CircuitOpeningAlarm").path("Properties").path("Namespace").asText());
        assertEquals("CircuitOpened", alarms.get("CircuitOpeningAlarm").path("Properties").path("MetricName").asText());
        assertEquals("CircuitState", alarms.get("CircuitOpenSeenAlarm").path("Properties").path("MetricName").asText());
        // Only what an operator acts on notifies: the composite, not its parts.
        assertTrue(alarms.get("CircuitOpeningAlarm").path("Properties").path("AlarmActions").isMissingNode());
        assertTrue(alarms.get("CircuitOpenSeenAlarm").path("Properties").path("AlarmActions").isMissingNode());
        Set<String> ratioMetrics = new HashSet<>();
        alarms.get("FallbackRatioAlarm").path("Properties").path("Metrics").forEach(m -> {
            if (m.has("MetricStat")) {
                ratioMetrics.add(m.path("MetricStat").path("Metric").path("MetricName").asText());
                assertEquals(namespace, m.path("MetricStat").path("Metric").path("Namespace").asText());
            }
        });
        assertEquals(Set.of("Fallbacks", "Generations"), ratioMetrics);
    }

    @Test
    @DisplayName("waiting requests cannot take the account's concurrency: the API function's executions are reserved and bounded")
    void apiConcurrencyBounded() {
        JsonNode reserved = functions.get("ApiFunction").path("Properties").path("ReservedConcurrentExecutions");
        assertEquals(List.of("HasApiReservedConcurrency", "ApiReservedConcurrency", "AWS::NoValue"),
                StreamSupport.stream(reserved.spliterator(), false).map(JsonNode::asText).toList(),
                "!If [HasApiReservedConcurrency, !Ref ApiReservedConcurrency, !Ref AWS::NoValue]: 0 means no reservation, not a disabled API");
        int bound = Integer.parseInt(template.parameterDefault("ApiReservedConcurrency"));
        int accountDefault = 1000;
        assertTrue(bound > 0 && bound + 100 <= accountDefault, "a default account keeps its 100 unreserved: " + bound);
        JsonNode stage = template.resources("AWS::Serverless::HttpApi").get("HttpApi").path("Properties").path("DefaultRouteSettings");
        int rate = stage.path("ThrottlingRateLimit").asInt();
        int waitSeconds = 27;
        assertTrue(rate * waitSeconds > bound,
                "the stage throttle alone would allow " + rate * waitSeconds + " waiting executions: the reservation is what bounds them");
        assertTrue(template.functionTimeout("ApiFunction") <= 29, "within API Gateway's 30 s");
    }

    @Test
    @DisplayName("the HTTP API writes access logs (IAM 403s and throttled 429s never reach a function) to a log group with retention, without paths")
    void apiAccessLogs() {
        JsonNode settings = template.resources("AWS::Serverless::HttpApi").get("HttpApi").path("Properties").path("AccessLogSettings");
        assertEquals("HttpApiAccessLogGroup.Arn", settings.path("DestinationArn").asText());
        JsonNode group = template.resources("AWS::Logs::LogGroup").get("HttpApiAccessLogGroup");
        assertTrue(group.path("Properties").path("RetentionInDays").asInt() > 0);
        JsonNode line = TestJson.parse(settings.path("Format").asText());
        for (String field : new String[] {"requestId", "status", "routeKey", "caller", "integrationError", "error"}) {
            assertTrue(line.has(field), field + " in " + line);
        }
        assertFalse(settings.path("Format").asText().contains("$context.path"), "a path segment is whatever a client sent");
        assertFalse(settings.path("Format").asText().contains("querystring"));
    }

    @Test
    @DisplayName("an alarm sees the API's 5xx, by its API id")
    void api5xxAlarm() {
        JsonNode alarm = template.resources("AWS::CloudWatch::Alarm").get("ApiErrorsAlarm").path("Properties");
        assertEquals("AWS/ApiGateway", alarm.path("Namespace").asText());
        assertEquals("5xx", alarm.path("MetricName").asText(), "HTTP APIs publish 5xx (REST APIs: 5XXError)");
        assertEquals("ApiId", alarm.path("Dimensions").get(0).path("Name").asText());
        assertEquals("HttpApi", alarm.path("Dimensions").get(0).path("Value").asText());
        assertEquals("Sum", alarm.path("Statistic").asText());
    }

    @Test
    @DisplayName("SnapStart is a parameter (not offered in every Region): every aliased function follows it, on by default")
    void snapStartParameter() {
        JsonNode parameter = template.root().path("Parameters").path("SnapStart");
        assertEquals("PublishedVersions", parameter.path("Default").asText());
        List<String> allowed = new ArrayList<>();
        parameter.path("AllowedValues").forEach(v -> allowed.add(v.asText()));
        assertEquals(List.of("PublishedVersions", "None"), allowed, "Lambda's two values for ApplyOn");
        functions.forEach((id, f) -> {
            if (!id.equals("StackSettingsFunction")) {
                assertEquals("SnapStart", f.path("Properties").path("SnapStart").path("ApplyOn").asText(), id + ": !Ref SnapStart");
            }
        });
    }

    @Test
    @DisplayName("the role EventBridge Scheduler assumes can be passed only by this account's reset schedule group (confused deputy)")
    void schedulerTrustPinned() {
        JsonNode statement = template.resources("AWS::IAM::Role").get("SchedulerRole").path("Properties")
                .path("AssumeRolePolicyDocument").path("Statement").get(0);
        assertEquals("scheduler.amazonaws.com", statement.path("Principal").path("Service").asText());
        JsonNode condition = statement.path("Condition");
        assertEquals("AWS::AccountId", condition.path("StringEquals").path("aws:SourceAccount").asText());
        JsonNode sources = condition.path("ArnLike").path("aws:SourceArn");
        assertEquals("arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule-group/${ResetScheduleGroup}", sources.path(0).asText(),
                "Scheduler names the schedule group as the source");
        for (JsonNode source : sources) {
            assertTrue(source.asText().contains("${ResetScheduleGroup}"), source.asText());
            assertFalse(source.asText().contains("*:") || source.asText().endsWith("/*"), "no wildcard group: " + source.asText());
        }
    }
}
