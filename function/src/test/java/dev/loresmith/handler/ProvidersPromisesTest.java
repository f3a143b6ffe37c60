package dev.loresmith.handler;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.loresmith.circuit.CircuitRecord;
import dev.loresmith.circuit.CircuitState;
import dev.loresmith.circuit.ForcedState;
import dev.loresmith.content.ContentType;
import dev.loresmith.content.ContentTypes;
import dev.loresmith.generate.FollowUpSweep;
import dev.loresmith.generate.Outcome;
import dev.loresmith.llm.BedrockTransport;
import dev.loresmith.llm.CallPlan;
import dev.loresmith.llm.LlmReply;
import dev.loresmith.llm.MessagesPrompt;
import dev.loresmith.llm.Provider;
import dev.loresmith.storage.StackSettings;
import dev.loresmith.testing.AlarmModel.State;
import dev.loresmith.testing.AlarmModel;
import dev.loresmith.testing.Concurrently;
import dev.loresmith.testing.FakeAws;
import dev.loresmith.testing.FakeBedrock;
import dev.loresmith.testing.FakeContext;
import dev.loresmith.testing.FlowHarness;
import dev.loresmith.testing.ProvidersFlowTest;
import dev.loresmith.testing.Template;
import dev.loresmith.testing.TestAws;
import dev.loresmith.testing.TestJson;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The providers' promises an adversarial review of the second provider broke, each held here through the handlers:
 * a second provider recovers while the first answers (its probe comes first) and its alarm follows it; PUT /circuit's
 * default and refusals; a Claude 4.x id Bedrock serves only through a profile named in an ERROR; the sweep's one probe;
 * the upgrade from one provider leaving no settings behind; SigV4 as its specification computes it.
 */
class ProvidersPromisesTest extends ProvidersFlowTest {

    final Template template = Template.load();

    void at(String time) {
        h.clock.set(Instant.parse("2026-11-25T" + time + "Z"));
    }

    void request(long id) {
        h.viaSqs(id);
    }

    APIGatewayV2HTTPEvent put(String body) {
        APIGatewayV2HTTPEvent put = SampleEvents.http("circuit-put.json");
        put.setBody(body);
        return put;
    }

    /** README, PUT /circuit: "provider optional: without it, the first provider in Providers"; one not in Providers is a 400. */
    @Test
    @DisplayName("PUT /circuit without provider forces the first in Providers; a provider the stack does not use is a 400 naming provider")
    void putDefaultsToTheFirstProvider() {
        h.providers("bedrock,anthropic");
        CircuitAdminHandler admin = new CircuitAdminHandler(Wiring.circuitAdmin(h.outside()));

        assertEquals(200, admin.handleRequest(put("{\"state\":\"open\"}"), FakeContext.withSeconds(15)).getStatusCode());
        assertEquals(ForcedState.OPEN, h.circuits.circuit(Provider.BEDROCK).forced(), "the first in Providers");
        assertEquals(ForcedState.NONE, h.circuits.circuit(Provider.ANTHROPIC).forced());

        h.providers("anthropic");
        var refused = admin.handleRequest(put("{\"state\":\"closed\",\"provider\":\"bedrock\"}"), FakeContext.withSeconds(15));
        assertEquals(400, refused.getStatusCode());
        JsonNode body = TestJson.parse(refused.getBody());
        assertEquals("provider", body.path("field").asText());
        assertEquals("provider bedrock is not in this stack's Providers (anthropic)", body.path("error").asText());
        assertEquals(ForcedState.OPEN, h.circuits.circuit(Provider.BEDROCK).forced(), "nothing written");
    }

    /**
     * README, Alarms: BedrockCircuitOpenedAlarm "In ALARM while it lasts ... OK follows the first request that sees it
     * closed or half-open"; Operations: "It half-opens by itself after 5 min". With Providers=anthropic,bedrock an outage
     * of both, then both recover: the first request after the resets probes Bedrock first (no request would otherwise
     * reach it while Anthropic answers), and every request writes Bedrock's gauge, so its alarm clears.
     */
    @Test
    @DisplayName("after an outage of both providers, the secondary's circuit closes again and its alarm returns to OK")
    void secondaryRecoversAfterBothOpened() {
        h.providers("anthropic,bedrock");
        anthropic.failsWith(503);
        bedrock.failsWith(503, "ServiceUnavailableException");
        at("10:00:10");
        request(1);
        at("10:00:20");
        request(2);
        at("10:00:30");
        request(3); // both circuits open in this request's one transaction
        assertEquals(CircuitState.OPEN, h.circuits.circuit(Provider.ANTHROPIC).state());
        assertEquals(CircuitState.OPEN, h.circuits.circuit(Provider.BEDROCK).state());
        assertEquals(Set.of("circuit-reset-g1", "circuit-reset-bedrock-g1"), aws.createdSchedules().stream().map(FakeAws.CreatedSchedule::name)
                        .collect(Collectors.toSet()),
                "both openings of one transaction are scheduled");
        for (int minute = 1; minute <= 4; minute++) {
            at("10:0" + minute + ":10");
            request(10 + minute); // circuit_open at both: gauges 2
        }
        at("10:05:30");
        h.reset().reset(Provider.ANTHROPIC, 1);
        h.reset().reset(Provider.BEDROCK, 1);
        anthropic.repliesForEachType();
        bedrock.repliesForEachType(); // both healthy again
        for (int minute = 6; minute <= 29; minute++) {
            at(String.format(Locale.ROOT, "10:%02d:10", minute));
            request(100 + minute);
        }
        assertEquals(CircuitState.CLOSED, h.circuits.circuit(Provider.ANTHROPIC).state());

        Map<Instant, State> timeline = AlarmModel.of(template, "BedrockCircuitOpenedAlarm").timeline(h.emf.parsed(), AlarmsTest.t("10:00:00"), AlarmsTest.t("10:30:00"));

        assertEquals(List.of(), AlarmsTest.not(State.OK, timeline, "10:10:00", "10:30:00"),
                "Bedrock's alarm clears once Bedrock is half-open and healthy (its circuit is " + h.circuits.circuit(Provider.BEDROCK).state() + ")");
        assertEquals(CircuitState.CLOSED, h.circuits.circuit(Provider.BEDROCK).state(), "Bedrock's circuit recovers by itself");
    }

    /**
     * README, Providers: "anthropic,bedrock: ... a request Anthropic cannot answer ... goes on to Bedrock in the same
     * invocation, so an Anthropic outage still serves generated text". Bedrock left half-open by an earlier outage is
     * probed by the next request while Anthropic answers; when Anthropic then fails, every concurrent request is served
     * by Bedrock (a half-open Bedrock would have turned all but one away).
     */
    @Test
    @Tag("concurrency") // 8 concurrent conditional writes on one circuit item: atomic on DynamoDB, not on moto
    @DisplayName("an Anthropic outage after one of both providers: every concurrent request is still served by Bedrock")
    void secondOutageMeetsARecoveredSecondary() throws Exception {
        h.providers("anthropic,bedrock");
        assertTrue(h.circuits.replace(Provider.BEDROCK, CircuitRecord.initial(),
                new CircuitRecord(CircuitState.HALF_OPEN, List.of(), h.now().minus(Duration.ofHours(2)), 1, null, ForcedState.NONE, 3)));
        anthropic.repliesForEachType();
        Outcome.Ready probe = assertInstanceOf(Outcome.Ready.class, h.generate(QUEST, 99));
        assertEquals("bedrock", probe.item().provider(), "the half-open second provider takes the next request first: its probe");
        assertTrue(probe.probe());
        assertEquals(CircuitState.CLOSED, h.circuits.circuit(Provider.BEDROCK).state());
        assertEquals(0, anthropic.requestCount(), "the probe answered: Anthropic not called");
        anthropic.failsWith(500);

        List<Outcome> outcomes = Concurrently.run(8, i -> h.generate(QUEST, 100 + i));

        List<String> fellBack = outcomes.stream().filter(o -> o instanceof Outcome.Fallback)
                .map(o -> ((Outcome.Fallback) o).item().providerReasons().toString()).toList();
        assertEquals(List.of(), fellBack, "Bedrock is healthy: no request should get canned text");
    }

    /**
     * The test model of the alarms matches an alarm's dimension values as CloudWatch does: Anthropic's gauge is no
     * datapoint of Bedrock's alarm, so no per-provider alarm test can pass on the other provider's data.
     */
    @Test
    @DisplayName("a per-provider alarm reads only its own provider's datapoints (test model of CloudWatch)")
    void alarmModelMatchesDimensionValues() {
        JsonNode anthropicsGauge = TestJson.parse("{\"_aws\":{\"Timestamp\":" + AlarmsTest.t("10:00:10").toEpochMilli() + ",\"CloudWatchMetrics\":[{\"Namespace\":"
                + "\"Loresmith\",\"Dimensions\":[[\"Provider\"]],\"Metrics\":[{\"Name\":\"CircuitState\",\"Unit\":\"None\"}]}]},"
                + "\"Provider\":\"anthropic\",\"CircuitState\":3}");

        assertEquals(Map.of(), AlarmModel.of(template, "BedrockCircuitOpenSeenAlarm").datapoints(List.of(anthropicsGauge)),
                "Anthropic's forced-open gauge is no datapoint of Bedrock's alarm");
    }

    /**
     * README, Providers: a wrong id gets "one ERROR per execution environment ... naming BedrockModelId". A plain Claude
     * 4.x id (which the deploy accepts: a Claude id) is refused by Bedrock with a 400 ValidationException asking for an
     * inference profile: the same ERROR, saying so.
     */
    @Test
    @DisplayName("a BedrockModelId Bedrock cannot invoke on demand is named in one ERROR, like a wrong id")
    void onDemandModelIdNamesTheParameter() {
        h.providers("bedrock");
        bedrock.failsWhenBodyContains("messages", 400, "ValidationException", "Invocation of model ID anthropic.claude-sonnet-4-5-20250929-v1:0 "
                + "with on-demand throughput isn't supported. Retry your request with the ID or ARN of an inference profile that contains this model.");

        h.generate(QUEST, 1);

        h.generate(QUEST, 2);

        assertEquals("fallback:api_error_400", h.item(QUEST, 1).model(), "counted, and never upgraded");
        List<JsonNode> errors = h.logs.withMessage("provider refuses the configured model; check the model id and model access");
        assertEquals(1, errors.size(), "one ERROR naming BedrockModelId, once per environment");
        assertEquals("BedrockModelId", errors.get(0).path("parameter").asText());
        assertTrue(errors.get(0).path("problem").asText().contains("inference profile"), errors.get(0).toString());
        assertTrue(errors.get(0).toString().indexOf("on-demand") < 0, "Bedrock's own message is not logged");
    }

    /**
     * README, Upgrades: while a provider's circuit waits for its probe the sweep "sends one upgrade, which becomes the
     * probe" — not a batch at a half-open circuit that would turn all but one away, each spending an upgrade attempt
     * (here Anthropic has no key, so the sweep cannot tell that only Bedrock could take them).
     */
    @Test
    @DisplayName("with no Anthropic key and Bedrock half-open, the sweep sends one upgrade (the probe)")
    void sweepSendsOneUpgradeThroughAHalfOpenSecondary() {
        h.providers("anthropic,bedrock").withApiKey(null);
        bedrock.failsWith(503, "ServiceUnavailableException");
        at("10:00:10");
        h.generate(QUEST, 1);
        at("10:00:20");
        h.generate(QUEST, 2);
        at("10:00:30");
        h.generate(QUEST, 3); // Bedrock opens
        assertEquals(CircuitState.OPEN, h.circuits.circuit(Provider.BEDROCK).state());
        at("10:05:30");
        h.reset().reset(Provider.BEDROCK, 1);
        bedrock.repliesForEachType();

        FollowUpSweep.Result result = Wiring.sweep(h.outside()).sweep().upgrade();

        assertEquals(1, result.enqueued(), "only the probe: Anthropic has no key, Bedrock is half-open");
    }

    /**
     * README, Deploy: on a stack upgraded from one provider, the custom resource writes the settings to the stack item and
     * to the anthropic item, where the code from before still reads them — so a rollback, whose Update of the custom
     * resource runs before the old code is back, leaves that code the settings it was deployed with; and a stack item
     * deleted by hand finds the current settings there, never those from before the upgrade.
     */
    @Test
    @DisplayName("an upgraded stack: each settings write reaches the anthropic item too (a rollback's old code reads them there);"
            + " a stack item deleted by hand finds the current settings, not the pre-upgrade ones")
    void settingsMirroredForARollback() {
        AttributeValue legacy = AttributeValue.fromM(Map.of("model", AttributeValue.fromS("claude-haiku-4-5"), "tokenBudget", AttributeValue.fromN("5000")));
        h.dynamo().putItem(r -> r.tableName(h.tableNames.circuit()).item(Map.of("provider", AttributeValue.fromS("anthropic"),
                "stackSettings", legacy, "circuitState", AttributeValue.fromS("closed"), "version", AttributeValue.fromN("4"))));
        h.circuits.writeStackSettings(new StackSettings("claude-opus-4-5", null, null, 0L)); // a deploy of this version
        assertEquals("claude-opus-4-5", h.rawCircuitItem().get("stackSettings").m().get("model").s(), "the code from before reads these");
        assertEquals("4", h.rawCircuitItem().get("version").n(), "the rest of the anthropic item untouched");
        h.dynamo().deleteItem(r -> r.tableName(h.tableNames.circuit()).key(Map.of("provider", AttributeValue.fromS("stack"))));

        assertTrue(h.config().tokenBudget().isEmpty(), "not the budget of before the upgrade");
        assertEquals("claude-opus-4-5", h.config().model(Provider.ANTHROPIC, "built-in"), "the current settings");
    }

    @Test
    @DisplayName("a fresh stack: a settings write creates no anthropic item; a stack item deleted by hand means the built-in defaults")
    void freshStackDeletedStackItemMeansDefaults() {
        h.circuits.writeStackSettings(new StackSettings("claude-opus-4-5", null, null, 5000L));
        assertTrue(h.rawCircuitItem().isEmpty(), "no bare anthropic item");
        h.dynamo().deleteItem(r -> r.tableName(h.tableNames.circuit()).key(Map.of("provider", AttributeValue.fromS("stack"))));

        assertTrue(h.config().tokenBudget().isEmpty());
        assertEquals("built-in", h.config().model(Provider.ANTHROPIC, "built-in"));
    }

    /**
     * README, Providers: "BedrockTransport signs it with the SDK's SigV4 signer"; FakeBedrock checks the signature by
     * signing again with the same SDK signer, which cannot catch an encoding both share. This recomputes it from the
     * SigV4 specification (non-S3 services: every path segment URI-encoded twice), by hand.
     */
    @Test
    @DisplayName("the InvokeModel signature is what SigV4, computed by hand, gives for the request as sent (model id with ':')")
    void sigV4ByHand() throws Exception {
        ContentType type = ContentTypes.bundled().find(QUEST).orElseThrow();
        String model = FlowHarness.BEDROCK_MODEL;
        CallPlan plan = new CallPlan(Provider.BEDROCK, null, model, 1024, false, Duration.ofSeconds(5),
                MessagesPrompt.of(Provider.BEDROCK, type, NullNode.getInstance(), model, 1024, false));
        LlmReply reply = new BedrockTransport(TestAws.CREDENTIALS, TestAws.REGION, URI.create(bedrock.endpoint())).send(plan);
        assertInstanceOf(LlmReply.Answer.class, reply);
        LoggedRequest sent = bedrock.requests().get(0);
        FakeBedrock.Authorization auth = FakeBedrock.authorization(sent);

        StringBuilder canonicalUri = new StringBuilder();
        for (String segment : sent.getUrl().split("/", -1)) {
            canonicalUri.append(canonicalUri.length() == 0 && segment.isEmpty() ? "" : "/").append(uriEncode(segment));
        }
        String canonicalHeaders = auth.signedHeaders().stream()
                .map(name -> name + ":" + sent.getHeader(name).trim().replaceAll(" +", " ") + "\n").collect(Collectors.joining());
        String payloadHash = hex(MessageDigest.getInstance("SHA-256").digest(sent.getBody()));
        String canonical = "POST\n" + canonicalUri + "\n\n" + canonicalHeaders + "\n" + String.join(";", auth.signedHeaders()) + "\n" + payloadHash;
        String scope = auth.day() + "/" + auth.region() + "/bedrock/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + sent.getHeader("X-Amz-Date") + "\n" + scope + "\n"
                + hex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
        AwsCredentials credentials = TestAws.CREDENTIALS.resolveCredentials();
        byte[] key = hmac(("AWS4" + credentials.secretAccessKey()).getBytes(StandardCharsets.UTF_8), auth.day());
        key = hmac(key, auth.region());
        key = hmac(key, "bedrock");
        key = hmac(key, "aws4_request");

        assertTrue(sent.getUrl().contains("%3A"), sent.getUrl());
        assertEquals(hex(hmac(key, toSign)), auth.signature(), "canonical URI " + canonicalUri);
    }

    private static String uriEncode(String segment) {
        StringBuilder out = new StringBuilder();
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    private static byte[] hmac(byte[] key, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
