package dev.loresmith.testing;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base for tests of the flow with both providers: one WireMock Anthropic, one WireMock Bedrock (checking each call's
 * signature) and one WireMock AWS per test class; fresh DynamoDB tables and a harness wired to both per test. The order
 * is the test's to set ({@link FlowHarness#providers}); without it, Anthropic alone.
 */
public abstract class ProvidersFlowTest {

    protected static final String QUEST = "quest_description";
    protected static FakeAnthropic anthropic;
    protected static FakeBedrock bedrock;
    protected static FakeAws aws;
    protected FlowHarness h;

    @BeforeAll
    static void startFakes() {
        anthropic = new FakeAnthropic();
        bedrock = new FakeBedrock();
        aws = new FakeAws(); // may abort the class when its AWS endpoint is unavailable
    }

    @AfterAll
    static void stopFakes() {
        // null when start-up was aborted: the class is skipped, not failed
        if (anthropic != null) {
            anthropic.close();
        }
        if (bedrock != null) {
            bedrock.close();
        }
        if (aws != null) {
            aws.close();
        }
        anthropic = null;
        bedrock = null;
        aws = null;
    }

    @BeforeEach
    void freshHarness() {
        anthropic.reset();
        bedrock.repliesForEachType();
        aws.reset();
        h = new FlowHarness(anthropic, aws).withBedrock(bedrock);
    }
}
